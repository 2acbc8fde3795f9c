"""Errors a user can act on: the CLI prints str(error) as one line and exits non-zero."""

from pipelines.common.errors import SourceConfigError, SourceError


class MailkpiError(Exception):
    """Base for failures with a one-line, secret-free explanation."""

    exit_code = 1


class SourceFailed(MailkpiError):
    """A source's own error, as the CLI reports it: exit 2 for settings that cannot be used
    (like a bad config file), 1 for the rest (denied, throttled too long, unreachable)."""

    def __init__(self, error: SourceError):
        super().__init__(str(error))
        self.exit_code = 2 if isinstance(error, SourceConfigError) else 1


def user_error(exc: BaseException) -> MailkpiError | None:
    """The MailkpiError (or source error) behind an exception, looking through dlt's
    wrappers; None for a failure nobody foresaw."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, MailkpiError):
            return current
        if isinstance(current, SourceError):
            return SourceFailed(current)
        todo += [
            getattr(current, "exception", None),
            current.__cause__,
            current.__context__,
        ]
    return None

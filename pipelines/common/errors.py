"""The sources' errors a user must act on: str() is one secret-free line naming the problem.

The application decides what they mean to it (its message prefix, its exit codes)."""


class SourceError(Exception):
    """A source failed in a way the user must act on (access denied, throttled too long)."""


class SourceConfigError(SourceError):
    """A source's settings or arguments cannot be used (a bad base URL, a recording of
    another tenant)."""

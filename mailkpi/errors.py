"""Errors a user can act on: the CLI prints str(error) as one line and exits non-zero."""


class MailkpiError(Exception):
    """Base for failures with a one-line, secret-free explanation."""

    exit_code = 1

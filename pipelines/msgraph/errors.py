"""What can go wrong reading Graph, as one-line, secret-free errors naming the mailbox."""

from __future__ import annotations

from pipelines.common.errors import SourceConfigError, SourceError


class GraphError(SourceError):
    """A Graph failure the user must act on."""


class GraphConfigError(GraphError, SourceConfigError):
    """Settings of `sources.msgraph` that cannot be used."""


class GraphAuthError(GraphError):
    """401, or sign-in refused."""


class GraphAccessDenied(GraphError):
    """403: the app (or the signed-in user) may not read this mailbox."""


class MailboxNotFound(GraphError):
    """404 about the mailbox: none at this address (ErrorInvalidUser: a distribution list, a
    typo), or none Graph can serve (MailboxNotEnabledForRESTAPI). The run skips it and reads
    the other mailboxes."""


class GraphThrottled(GraphError):
    """429/503/504 went on longer than the retry budget."""


class GraphRequestFailed(GraphError):
    """Any other error answer or a broken connection."""


class SyncStateExpired(Exception):
    """410 Gone / SyncStateNotFound / resyncRequired: restart that folder's round."""


class FolderGone(Exception):
    """The folder vanished between discovery and its delta round."""


def one_line(text: object, limit: int = 200) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

"""The mailboxes a source reads, as plain data: the application resolves its team config
into these, so the sources take arguments as dlt's verified sources do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class Mailbox:
    """One tracked team address and the mailboxes (stores) read for it.

    A shared mailbox is read whole, and each agent's own mailbox in `stores` for its Sent
    Items only (replies sent from it); a distribution list has no store of its own, so its
    agents' mailboxes are read whole.
    """

    address: str
    stores: tuple[str, ...]
    kind: Literal["shared_mailbox", "distribution_list"] = "shared_mailbox"
    excluded_folders: tuple[str, ...] = ()

    def sent_items_only(self, store: str) -> bool:
        """Whether only the Sent Items of `store` belong to this mailbox's traffic."""
        return self.kind == "shared_mailbox" and store != self.address

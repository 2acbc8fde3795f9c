"""Channels: an Apprise URL per named channel, read from the environment or the secrets file,
and one bounded delivery attempt that reports a failure as one line without the URL.

Apprise URLs carry passwords and webhook tokens, so a URL never reaches a log line, an
exception or the ledger: Apprise's own log records are kept away from the process's log
handlers, and a failure is summarised from them by kind (refused, timed out, ...).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

import apprise
from apprise.attachment.memory import AttachMemory

from ..config import Notifications
from ..dlt_settings import dlt_module

SECRET_KEY = "mailkpi.channels.{name}"  # [mailkpi.channels] <name> = "..." in .dlt/secrets.toml
TIMEOUT_ENV = "MAILKPI_NOTIFY_TIMEOUT"
DEFAULT_TIMEOUT = 10.0  # seconds one message may take on one channel, connection included

# Apprise logs at INFO and WARNING with hosts and recipients: none of it reaches our handlers.
logging.getLogger("apprise").propagate = False


@dataclass(frozen=True)
class Image:
    name: str  # the `cid:` an HTML body refers to it by
    png: bytes


def timeout() -> float:
    value = os.environ.get(TIMEOUT_ENV)
    return float(value) if value else DEFAULT_TIMEOUT


def url_from_environment(notifications: Notifications, name: str) -> str | None:
    channel = notifications.channels[name]
    return os.environ.get(channel.url_env) if channel.url_env else None


def channel_url(notifications: Notifications, name: str) -> str | None:
    """The channel's Apprise URL: $<url_env>, else the secrets file; None when neither is set."""
    url = url_from_environment(notifications, name)
    if not url:
        url = dlt_module().secrets.get(SECRET_KEY.format(name=name))
    return str(url).strip() or None if url else None


# Apprise's log texts, matched in order; the first that matches names the failure.
_FAILURES = (
    (r"did not finish within|timed out|timeout", "timed out"),
    (r"refused", "connection refused"),
    (r"name or service not known|nodename nor servname|getaddrinfo|resolve", "unknown host"),
    (r"authenticat|\b535\b|\b401\b|\b403\b", "authentication failed"),
    (r"error=(\d{3})|\b(?:HTTP|status)\D{0,3}(\d{3})", "HTTP {}"),
    (r"certificate|ssl|tls", "TLS error"),
    (r"connection", "connection error"),
)


def _summary(text: str) -> str:
    for pattern, label in _FAILURES:
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            code = next((g for g in match.groups() if g), None) if match.groups() else None
            return label.format(code) if "{}" in label else label
    return "not delivered"


def send(
    url: str,
    title: str,
    body: str,
    *,
    html: bool = False,
    images: tuple[Image, ...] = (),
    seconds: float | None = None,
) -> str | None:
    """Deliver one message; None on success, else a one-line reason that holds no URL.

    Bounded: every socket operation and the whole call stop after `seconds`.
    """
    seconds = seconds or timeout()
    asset = apprise.AppriseAsset(storage_mode="memory", service_timeout=seconds)
    client = apprise.Apprise(asset=asset)
    if images and url.split(":", 1)[0].lower() in ("mailto", "mailtos"):
        url += ("&" if "?" in url else "?") + "inline=yes"  # images as RFC 2387 parts, by cid
    if not client.add(url):
        return "not a valid Apprise URL"
    for service in client:
        service.socket_connect_timeout = seconds
        service.socket_read_timeout = seconds
    attach = (
        apprise.AppriseAttachment(
            [AttachMemory(content=i.png, name=i.name, mimetype="image/png") for i in images]
        )
        if images
        else None
    )
    # in memory only, read for the failure's kind and then dropped: it holds the URL
    with apprise.LogCapture(level=logging.DEBUG) as captured:
        delivered = client.notify(
            body=body,
            title=title,
            body_format=apprise.NotifyFormat.HTML if html else apprise.NotifyFormat.MARKDOWN,
            attach=attach,
            timeout=seconds,
        )
        return None if delivered else _summary(captured.getvalue())

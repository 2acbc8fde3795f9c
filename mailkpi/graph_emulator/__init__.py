"""A local Microsoft Graph mail emulator (HTTP on 127.0.0.1) driven by the real msgraph-sdk."""

from .server import DEFAULT_TOKEN, GraphEmulator

__all__ = ["DEFAULT_TOKEN", "GraphEmulator"]

"""Sign-in: the dlt credentials of `sources.msgraph.credentials` -> a GraphServiceClient.

Three ways in, first match wins: a ready `access_token` (used as is); app-only client
credentials (`client_secret`, or a certificate via `certificate_path` or a client_secret
naming a .pem/.pfx file); or, with `delegated = true`, the device-code flow of a user with
Full Access to the mailboxes, whose token cache persists between runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dlt.common.configuration import configspec
from dlt.common.configuration.specs import CredentialsConfiguration
from dlt.common.typing import TSecretStrValue
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient

from .errors import GraphConfigError
from .settings import AUTH_RECORD_PATH, AUTHORITIES, GLOBAL_AUTHORITY

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@configspec
class MsGraphCredentials(CredentialsConfiguration):
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: TSecretStrValue | None = None
    certificate_path: str | None = None
    certificate_password: TSecretStrValue | None = None
    access_token: TSecretStrValue | None = None
    delegated: bool = False


class StaticTokenProvider(AccessTokenProvider):
    """A pre-acquired bearer token, sent only to the configured Graph host."""

    def __init__(self, token: str, allowed_hosts: list[str]):
        self._token = token
        self._hosts = AllowedHostsValidator(allowed_hosts)

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        return self._token if self._hosts.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._hosts


def check_base_url(base_url: str) -> str:
    """https anywhere, plain http only on loopback (local test servers)."""
    parts = urlsplit(base_url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK):
        return base_url.rstrip("/")
    raise GraphConfigError(
        f"sources.msgraph.base_url: {base_url!r} must be https (http only on 127.0.0.1/localhost)"
    )


def graph_client(credentials: MsGraphCredentials, base_url: str) -> GraphServiceClient:
    """A client whose auth provider sends the token to `base_url`'s host and no other."""
    host = urlsplit(base_url).hostname or ""
    if credentials.access_token:
        provider = BaseBearerTokenAuthenticationProvider(
            StaticTokenProvider(str(credentials.access_token), [host])
        )
    else:
        credential, scopes = _azure_credential(credentials, host)
        provider = AzureIdentityAuthenticationProvider(
            credential, scopes=scopes, allowed_hosts=[host]
        )
    adapter = GraphRequestAdapter(provider)
    adapter.base_url = base_url
    return GraphServiceClient(request_adapter=adapter)


def _azure_credential(credentials: MsGraphCredentials, host: str) -> tuple[Any, list[str]]:
    from azure.identity import (
        AuthenticationRecord,
        CertificateCredential,
        ClientSecretCredential,
        DeviceCodeCredential,
        TokenCachePersistenceOptions,
    )

    if not (credentials.tenant_id and credentials.client_id):
        raise GraphConfigError(
            "sources.msgraph.credentials: set tenant_id and client_id with client_secret "
            "(or certificate_path, or delegated = true), or set access_token"
        )
    authority = AUTHORITIES.get(host, GLOBAL_AUTHORITY)
    common = {"tenant_id": credentials.tenant_id, "client_id": credentials.client_id}
    if credentials.delegated:
        scopes = [f"https://{host}/Mail.Read.Shared"]
        record_path = Path(AUTH_RECORD_PATH)
        record = (
            AuthenticationRecord.deserialize(record_path.read_text(encoding="utf-8"))
            if record_path.is_file()
            else None
        )
        credential = DeviceCodeCredential(
            authority=authority,
            cache_persistence_options=TokenCachePersistenceOptions(
                name="mailkpi", allow_unencrypted_storage=True
            ),
            authentication_record=record,
            **common,
        )
        if record is None:  # sign in once; later runs reuse the cached refresh token
            record = credential.authenticate(scopes=scopes)
            record_path.parent.mkdir(parents=True, exist_ok=True)
            record_path.write_text(record.serialize(), encoding="utf-8")
        return credential, scopes
    scopes = [f"https://{host}/.default"]
    certificate = credentials.certificate_path or _certificate_named_by(credentials.client_secret)
    if certificate:
        password = credentials.certificate_password
        return CertificateCredential(
            authority=authority,
            certificate_path=certificate,
            password=str(password).encode() if password else None,
            **common,
        ), scopes
    if credentials.client_secret:
        return ClientSecretCredential(
            authority=authority, client_secret=str(credentials.client_secret), **common
        ), scopes
    raise GraphConfigError(
        "sources.msgraph.credentials: client_secret (or certificate_path) is missing; "
        "set delegated = true for a device-code sign-in"
    )


def _certificate_named_by(secret: str | None) -> str | None:
    """interfaces.md lets client_secret hold a certificate path instead of a secret."""
    if secret and str(secret).lower().endswith((".pem", ".pfx")) and Path(secret).is_file():
        return str(secret)
    return None


def describe(credentials: MsGraphCredentials) -> str:
    """Which sign-in is used, for logs (never a secret)."""
    if credentials.access_token:
        return "a pre-acquired access token"
    if credentials.delegated:
        return f"device-code sign-in (client {credentials.client_id})"
    return f"app-only sign-in (tenant {credentials.tenant_id}, client {credentials.client_id})"

"""Sign-in settings -> client, without reaching any network."""

from __future__ import annotations

import pytest

from pipelines.msgraph.auth import MsGraphCredentials, check_base_url, graph_client
from pipelines.msgraph.errors import GraphConfigError


def credentials(**values) -> MsGraphCredentials:
    creds = MsGraphCredentials()
    for name, value in values.items():
        setattr(creds, name, value)
    return creds


def allowed_hosts(client) -> set[str]:
    provider = client.request_adapter._authentication_provider.access_token_provider
    return set(provider.get_allowed_hosts_validator().get_allowed_hosts())


def test_token_goes_only_to_the_configured_host():
    client = graph_client(credentials(access_token="t"), "http://127.0.0.1:8123/v1.0")
    assert allowed_hosts(client) == {"127.0.0.1"}
    assert client.request_adapter.base_url == "http://127.0.0.1:8123/v1.0"


def test_client_secret_signs_in_at_the_national_cloud_of_the_base_url():
    client = graph_client(
        credentials(tenant_id="t", client_id="c", client_secret="s"),
        "https://graph.microsoft.us/v1.0",
    )
    provider = client.request_adapter._authentication_provider.access_token_provider
    assert allowed_hosts(client) == {"graph.microsoft.us"}
    assert provider._scopes == ["https://graph.microsoft.us/.default"]
    assert provider._credentials._authority == "https://login.microsoftonline.us"


@pytest.mark.parametrize(
    "values, problem",
    [
        ({"client_id": "c"}, "set tenant_id and client_id"),
        ({"tenant_id": "t", "client_id": "c"}, "client_secret (or certificate_path) is missing"),
    ],
)
def test_incomplete_credentials_say_what_is_missing(values, problem):
    with pytest.raises(GraphConfigError) as raised:
        graph_client(credentials(**values), "https://graph.microsoft.com/v1.0")
    assert problem in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize("url", ["http://graph.example.com/v1.0", "ftp://127.0.0.1/v1.0"])
def test_plain_http_only_on_loopback(url):
    with pytest.raises(GraphConfigError):
        check_base_url(url)
    assert check_base_url("http://localhost:9/v1.0/") == "http://localhost:9/v1.0"

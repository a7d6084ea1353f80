"""`PipedriveClient.get_person` against the Pipedrive fake, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.core.errors import AuthError, VendorUnavailableError
from connectors.pipedrive.client import PipedriveClient
from connectors.pipedrive.settings import PipedriveSettings
from sandbox.server import SandboxHandle


@pytest.fixture(autouse=True)
def no_failures(sandbox: SandboxHandle) -> Iterator[None]:
    sandbox.pipedrive.failures.clear()
    yield
    sandbox.pipedrive.failures.clear()


@pytest.fixture
def client(sandbox: SandboxHandle, pipedrive_token: str) -> Iterator[PipedriveClient]:
    settings = PipedriveSettings(api_token=pipedrive_token, base_url=sandbox.urls["pipedrive"])
    with PipedriveClient(settings) as pipedrive:
        yield pipedrive


def test_a_person_comes_back_in_the_same_shape_as_in_a_page(client: PipedriveClient) -> None:
    page = client.list_persons(None, limit=50)
    for listed in page.records[:20]:
        assert client.get_person(listed["id"]) == listed


def test_a_person_pipedrive_does_not_have_is_none(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    assert client.get_person(sandbox.pipedrive.count + 1) is None


def test_a_person_edited_at_the_vendor_is_read_with_the_edit(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    sandbox.pipedrive.edit_person(5, {"emails": [{"value": "fixed@example.com", "primary": True}]})

    person = client.get_person(5)

    assert person is not None
    assert person["email"] == "fixed@example.com"


def test_a_server_error_is_vendor_unavailable(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    sandbox.pipedrive.failures.set(503, count=1)
    with pytest.raises(VendorUnavailableError):
        client.get_person(1)


def test_a_wrong_token_is_an_auth_error_that_does_not_show_the_token(
    sandbox: SandboxHandle,
) -> None:
    settings = PipedriveSettings(api_token="wrong-token-xyz", base_url=sandbox.urls["pipedrive"])
    with PipedriveClient(settings) as pipedrive, pytest.raises(AuthError) as caught:
        pipedrive.get_person(1)
    assert "wrong-token-xyz" not in str(caught.value)


@pytest.mark.parametrize("bad_id", [0, -3, True])
def test_an_id_that_is_not_a_positive_integer_is_refused_before_any_request(
    client: PipedriveClient, bad_id: int
) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        client.get_person(bad_id)

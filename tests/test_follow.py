"""Following a record: /{Coll}/{id}/Follow, per calling user (facts §1.2, §2.2)."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests._graph_helpers import COLLECTION, MISSING_ID, create_record

FOLLOWABLE = ["Contact", "Organisation", "Note"]


@pytest.fixture(params=FOLLOWABLE)
def follow_url(request: pytest.FixtureRequest, api: httpx.Client) -> str:
    """The Follow URL of a fresh contact, organisation or note."""
    singular: str = request.param
    return f"/{COLLECTION[singular]}/{create_record(api, singular, 'Followed')}/Follow"


@pytest.fixture
def colleague(tenant: Any, engine: Engine, base_url: str) -> Iterator[httpx.Client]:
    """A second (non-admin) user of the same instance."""
    _user_id, key = tenant.add_user(engine, f"colleague-{tenant.instance_id}@example.com")
    with httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, ""), timeout=60) as client:
        yield client


def following(client: httpx.Client, url: str) -> bool:
    response = client.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"FOLLOWING"}
    assert isinstance(body["FOLLOWING"], bool)
    return bool(body["FOLLOWING"])


def follow(client: httpx.Client, url: str) -> None:
    response = client.post(url)
    assert response.status_code in (200, 201), response.text
    assert response.json() == {"FOLLOWING": True}


def test_a_new_record_is_not_followed(api: httpx.Client, follow_url: str) -> None:
    assert api.get(follow_url).json() == {"FOLLOWING": False}


def test_follow_then_unfollow(api: httpx.Client, follow_url: str) -> None:
    follow(api, follow_url)
    assert following(api, follow_url) is True

    response = api.delete(follow_url)

    assert response.status_code == 202, response.text
    assert response.content == b""
    assert following(api, follow_url) is False


def test_following_twice_is_still_following(api: httpx.Client, follow_url: str) -> None:
    follow(api, follow_url)
    follow(api, follow_url)

    assert following(api, follow_url) is True
    assert api.delete(follow_url).status_code == 202
    assert following(api, follow_url) is False


def test_following_is_per_user(api: httpx.Client, colleague: httpx.Client, follow_url: str) -> None:
    follow(api, follow_url)

    assert following(colleague, follow_url) is False

    follow(colleague, follow_url)
    assert api.delete(follow_url).status_code == 202
    assert following(api, follow_url) is False
    assert following(colleague, follow_url) is True


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("singular", FOLLOWABLE)
def test_follow_of_a_missing_record_is_404(api: httpx.Client, singular: str, method: str) -> None:
    response = api.request(method, f"/{COLLECTION[singular]}/{MISSING_ID}/Follow")

    assert response.status_code == 404, response.text
    assert "Message" in response.json()


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_follow_of_another_instances_record_is_404(
    api: httpx.Client, make_tenant: Any, method: str
) -> None:
    stranger = make_tenant().client
    url = f"/Contacts/{create_record(stranger, 'Contact', 'Theirs')}/Follow"

    response = api.request(method, url)

    assert response.status_code == 404, response.text
    assert following(stranger, url) is False

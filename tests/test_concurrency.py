"""Contract §6: ETags, If-Match, and concurrent writes serialised per record."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest


def new_contact(api: httpx.Client) -> tuple[int, str]:
    response = api.post("/Contacts", json={"FIRST_NAME": "Etta", "TAGS": [{"TAG_NAME": "t0"}]})
    assert response.status_code == 201
    return response.json()["CONTACT_ID"], response.headers["ETag"]


def test_single_record_responses_carry_an_etag(api: httpx.Client) -> None:
    contact_id, created_etag = new_contact(api)
    fetched = api.get(f"/Contacts/{contact_id}")
    assert fetched.headers["ETag"] == created_etag
    updated = api.put("/Contacts", json={"CONTACT_ID": contact_id, "TITLE": "Dr"})
    assert updated.headers["ETag"] != created_etag
    assert api.get("/Users/Me").headers.get("ETag")


def test_put_with_the_current_etag_succeeds(api: httpx.Client) -> None:
    contact_id, etag = new_contact(api)
    response = api.put(
        "/Contacts", json={"CONTACT_ID": contact_id, "TITLE": "Dr"}, headers={"If-Match": etag}
    )
    assert response.status_code == 200
    assert response.json()["TITLE"] == "Dr"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/Contacts", {"TITLE": "Prof"}),
        ("PUT", "/Contacts/{id}/Tags", [{"TAG_NAME": "other"}]),
        ("POST", "/Contacts/{id}/Tags", {"TAG_NAME": "other"}),
        ("DELETE", "/Contacts/{id}", None),
    ],
)
def test_a_stale_if_match_gets_412_and_changes_nothing(
    api: httpx.Client, method: str, path: str, body: object
) -> None:
    contact_id, stale = new_contact(api)
    api.put("/Contacts", json={"CONTACT_ID": contact_id, "TITLE": "Mx"})
    before = api.get(f"/Contacts/{contact_id}").json()
    if isinstance(body, dict):
        body = {**body, "CONTACT_ID": contact_id}
    response = api.request(
        method, path.format(id=contact_id), json=body, headers={"If-Match": stale}
    )
    assert response.status_code == 412
    assert "Message" in response.json()
    assert api.get(f"/Contacts/{contact_id}").json() == before


def test_if_match_star_accepts_any_existing_record(api: httpx.Client) -> None:
    contact_id, _ = new_contact(api)
    response = api.delete(f"/Contacts/{contact_id}", headers={"If-Match": "*"})
    assert response.status_code == 202


def test_concurrent_puts_never_mix_their_sub_collections(api: httpx.Client) -> None:
    contact_id, _ = new_contact(api)
    writers = 12
    bodies = [
        {
            "CONTACT_ID": contact_id,
            "TAGS": [{"TAG_NAME": f"w{writer}-t{n}"} for n in range(5)],
            "DATES": [
                {"OCCASION_NAME": f"w{writer}-d{n}", "OCCASION_DATE": "2020-01-01"}
                for n in range(3)
            ],
        }
        for writer in range(writers)
    ]

    def put(body: dict[str, object]) -> int:
        return api.put("/Contacts", json=body).status_code

    for _round in range(3):
        with ThreadPoolExecutor(max_workers=writers) as pool:
            statuses = list(pool.map(put, bodies))
        assert statuses == [200] * writers
        record = api.get(f"/Contacts/{contact_id}").json()
        tag_writers = {tag["TAG_NAME"].split("-")[0] for tag in record["TAGS"]}
        date_writers = {date["OCCASION_NAME"].split("-")[0] for date in record["DATES"]}
        assert len(record["TAGS"]) == 5 and len(tag_writers) == 1
        assert len(record["DATES"]) == 3 and date_writers == tag_writers

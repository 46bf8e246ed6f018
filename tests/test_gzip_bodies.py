"""Compressed request bodies (README: "gzip on request"): Content-Encoding gzip, x-gzip or
deflate is undone before the body is read, within the body limit after decoding."""

import gzip
import zlib
from collections.abc import Iterator

import httpx
import pytest

from rolodex.config import Settings

GZIP = {"Content-Type": "application/json", "Content-Encoding": "gzip"}


def contact_names(api: httpx.Client) -> list[str]:
    return [c["FIRST_NAME"] for c in api.get("/Contacts").json()]


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("GZip", gzip.compress),
        ("deflate", zlib.compress),
        ("identity", lambda data: data),
    ],
)
def test_a_compressed_body_is_read_like_a_plain_one(
    api: httpx.Client, encoding: str, compress: object
) -> None:
    body = b'{"FIRST_NAME": "Gzip\\u00e9", "TAGS": [{"TAG_NAME": "zipped"}]}'
    created = api.post(
        "/Contacts",
        content=compress(body),  # type: ignore[operator]
        headers={"Content-Type": "application/json", "Content-Encoding": encoding},
    )
    assert created.status_code == 201, created.text
    record = api.get(f"/Contacts/{created.json()['CONTACT_ID']}").json()
    assert record["FIRST_NAME"] == "Gzipé"
    assert [t["TAG_NAME"] for t in record["TAGS"]] == ["zipped"]


def test_put_and_xml_bodies_in_gzip(api: httpx.Client) -> None:
    contact_id = api.post("/Contacts", json={"FIRST_NAME": "Before"}).json()["CONTACT_ID"]
    body = f'{{"CONTACT_ID": {contact_id}, "FIRST_NAME": "After"}}'.encode()
    assert api.put("/Contacts", content=gzip.compress(body), headers=GZIP).status_code == 200
    assert api.get(f"/Contacts/{contact_id}").json()["FIRST_NAME"] == "After"
    xml = b"<Contact><FIRST_NAME>Xavier</FIRST_NAME></Contact>"
    response = api.post(
        "/Contacts",
        content=gzip.compress(xml),
        headers={"Content-Type": "application/xml", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 201, response.text
    assert "<FIRST_NAME>Xavier</FIRST_NAME>" in response.text


def test_a_streamed_multi_member_gzip_body(api: httpx.Client) -> None:
    """No Content-Length (chunked), split in tiny chunks, two gzip members back to back."""
    payload = gzip.compress(b'{"FIRST_NAME": "Str') + gzip.compress(b'eamed"}')

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(payload), 7):
            yield payload[i : i + 7]

    response = api.post("/Contacts", content=chunks(), headers=GZIP)
    assert response.status_code == 201, response.text
    assert response.json()["FIRST_NAME"] == "Streamed"


def test_a_decompression_bomb_gets_413_and_writes_nothing(
    api: httpx.Client, settings: Settings
) -> None:
    inflated = b'{"FIRST_NAME": "Bomb", "BACKGROUND": "' + b" " * (settings.max_body_bytes * 40)
    bomb = gzip.compress(inflated + b'"}', compresslevel=9)
    assert len(bomb) < settings.max_body_bytes / 20  # small on the wire
    response = api.post("/Contacts", content=bomb, headers=GZIP)
    assert response.status_code == 413
    assert str(settings.max_body_bytes) in response.json()["Message"]
    assert "Bomb" not in contact_names(api)


def test_a_body_that_fits_only_compressed_is_refused_too(
    api: httpx.Client, settings: Settings
) -> None:
    """The limit counts the decoded bytes: one byte over it is refused, the limit itself is not."""
    prefix, suffix = b'{"FIRST_NAME": "Edge"', b"}"
    filler = settings.max_body_bytes - len(prefix) - len(suffix)  # JSON whitespace
    at_limit = gzip.compress(prefix + b" " * filler + suffix)
    assert api.post("/Contacts", content=at_limit, headers=GZIP).status_code == 201
    over = gzip.compress(prefix + b" " * (filler + 1) + suffix)
    assert api.post("/Contacts", content=over, headers=GZIP).status_code == 413


# mtime=0: the parameters (and so the test ids) must not depend on the second they are built
# in, or two test workers collect different tests.
@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"FIRST_NAME": "NotReallyGzip"}', "not valid gzip"),
        (gzip.compress(b'{"FIRST_NAME": "Truncated"}', mtime=0)[:-9], "truncated"),
        (gzip.compress(b'{"FIRST_NAME": "Trailing"}', mtime=0) + b"garbage", "not valid gzip"),
    ],
)
def test_a_body_that_is_not_really_gzip_gets_400(
    api: httpx.Client, content: bytes, says: str
) -> None:
    response = api.post("/Contacts", content=content, headers=GZIP)
    assert response.status_code == 400
    assert says in response.json()["Message"]
    assert contact_names(api) == []


@pytest.mark.parametrize("encoding", ["br", "compress", "gzip, gzip"])
def test_an_encoding_we_do_not_decode_gets_415(api: httpx.Client, encoding: str) -> None:
    response = api.post(
        "/Contacts",
        content=b'{"FIRST_NAME": "Brotli"}',
        headers={"Content-Type": "application/json", "Content-Encoding": encoding},
    )
    assert response.status_code == 415
    assert "Content-Encoding" in response.json()["Message"]
    assert contact_names(api) == []


def test_an_uploaded_image_may_be_gzipped(api: httpx.Client) -> None:
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
        b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    contact_id = api.post("/Contacts", json={"FIRST_NAME": "Face"}).json()["CONTACT_ID"]
    response = api.put(
        f"/Contacts/{contact_id}/Image/face.png",
        content=gzip.compress(png),
        headers={"Content-Encoding": "gzip"},
    )
    assert response.status_code == 200, response.text
    assert api.get(f"/Contacts/{contact_id}/Image").content == png

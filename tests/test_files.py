"""File attachments and record images: exact bytes, limits, cleanup, and instance isolation.

These tests run their own server, with a small upload limit (and an even smaller body limit, which
uploads must not be held to) and a files folder of their own, so that "nothing is left on disk"
can be checked by listing that folder.
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from rolodex.api.app import create_app
from rolodex.config import Settings
from rolodex.domain.registry import NOTES, RECORD_TYPES, Feature, RecordType, by_singular
from rolodex.errors import BadRequest
from rolodex.services.files import FileService
from rolodex.storage import tables
from tests.conftest import Tenant, serving, tenant_factory
from tests.test_contract import create, create_owned

LIMIT = 128 * 1024
# Every byte value, NULs included, over more than one read chunk's worth of data.
BINARY = bytes(range(256)) * 300 + b"\x00" * 1000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
GIF = b"GIF89a" + bytes(range(100))

# Emails have files too, from their import (tests/test_emails.py); the API cannot create them.
WITH_FILES = [
    rt
    for rt in RECORD_TYPES
    if rt.has(Feature.FILE_ATTACHMENTS) and (rt.has(Feature.CREATE) or rt is NOTES)
]
WITH_IMAGE = [rt for rt in RECORD_TYPES if rt.has(Feature.IMAGE)]
WITH_IMAGE_FIELDS = [rt for rt in RECORD_TYPES if rt.has(Feature.IMAGE_FIELDS)]


@pytest.fixture(scope="module")
def files_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("attachments")


@pytest.fixture(scope="module")
def files_url(database_url: str, engine: Engine, files_dir: Path) -> Iterator[str]:
    settings = Settings(
        database_url=database_url,
        rate_limit_per_second=0,
        files_dir=str(files_dir),
        max_upload_bytes=LIMIT,
        max_body_bytes=1024,
    )
    with serving(create_app(settings, engine)) as url:
        yield url


@pytest.fixture
def make(engine: Engine, files_url: str) -> Iterator[Callable[[], Tenant]]:
    with tenant_factory(engine, files_url) as make_tenant:
        yield make_tenant


@pytest.fixture
def tenant(make: Callable[[], Tenant]) -> Tenant:
    return make()


@pytest.fixture
def api(tenant: Tenant) -> httpx.Client:
    return tenant.client


def on_disk(files_dir: Path) -> dict[str, bytes]:
    """Every file under the files folder (temporary ones included), with its content."""
    return {
        str(path.relative_to(files_dir)): path.read_bytes()
        for path in files_dir.rglob("*")
        if path.is_file()
    }


def rows(engine: Engine, tenant: Tenant) -> int:
    files = tables.file_attachments
    query = select(func.count()).where(files.c.instance_id == tenant.instance_id)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def new_record(api: httpx.Client, rt: RecordType) -> int:
    """A record of `rt` (a note is made under a contact of its own)."""
    if rt is NOTES:
        contact = create(api, by_collection("Contacts"))["CONTACT_ID"]
        response = api.post(f"/Contacts/{contact}/Notes", json={"TITLE": "Minutes"})
        assert response.status_code == 201, response.text
        return int(response.json()["NOTE_ID"])
    return int((create_owned(api, rt) if rt.owner_fields else create(api, rt))[rt.id_field])


def put_record(
    api: httpx.Client, rt: RecordType, record_id: int, body: dict[str, Any]
) -> httpx.Response:
    """PUT /{Coll}/{id}, or for a record kept under an owner (a line item), the PUT under its
    owner with its id in the body (PUT /Opportunities/{id}/OpportunityLineItem)."""
    if not rt.owner_fields:
        return api.put(f"/{rt.collection}/{record_id}", json=body)
    owner_field = rt.owner_fields[0]
    owner = by_singular(str(rt.field_named(owner_field).references))  # type: ignore[union-attr]
    owner_id = api.get(f"/{rt.collection}/{record_id}").json()[owner_field]
    path = f"/{owner.collection}/{owner_id}/{rt.collection}"
    return api.put(path, json={**body, rt.id_field: record_id})


def by_collection(name: str) -> RecordType:
    return next(rt for rt in RECORD_TYPES if rt.collection == name)


def upload(
    api: httpx.Client,
    path: str,
    content: bytes = BINARY,
    name: str = "report.bin",
    media_type: str = "application/octet-stream",
    form: dict[str, str] | None = None,
    **fields: str,
) -> httpx.Response:
    return api.post(
        f"{path}/FileAttachments",
        files={"file": (name, content, media_type)},
        data={**(form or {}), **fields},
    )


def uploaded(api: httpx.Client, path: str, **kwargs: Any) -> dict[str, Any]:
    response = upload(api, path, **kwargs)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def etag(api: httpx.Client, path: str) -> str:
    response = api.get(path)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


@pytest.fixture
def contact(api: httpx.Client) -> str:
    """The path of a new contact."""
    return f"/Contacts/{new_record(api, by_collection('Contacts'))}"


# --- attachments ---------------------------------------------------------------------------


def test_an_upload_comes_back_byte_for_byte(
    api: httpx.Client, tenant: Tenant, contact: str, files_dir: Path
) -> None:
    response = upload(api, contact)
    assert response.status_code == 201, response.text
    meta = response.json()
    assert meta["FILE_NAME"] == "report.bin"
    assert meta["CONTENT_TYPE"] == "application/octet-stream"
    assert meta["FILE_SIZE"] == len(BINARY)
    assert meta["OWNER_USER_ID"] == tenant.user_id
    assert meta["FILE_CATEGORY_ID"] is None
    assert meta["URL"] == f"/v3.1/FileAttachments/{meta['FILE_ID']}"
    assert response.headers["Location"] == meta["URL"]

    download = api.get(f"/FileAttachments/{meta['FILE_ID']}")
    assert download.status_code == 200
    assert download.content == BINARY
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert 'attachment; filename="report.bin"' in download.headers["Content-Disposition"]
    # One file on disk, in the instance's folder, holding exactly the bytes sent.
    stored = {k: v for k, v in on_disk(files_dir).items() if k.startswith(f"{tenant.instance_id}/")}
    assert list(stored.values()) == [BINARY]


def test_form_fields_name_and_type_the_file(api: httpx.Client, contact: str) -> None:
    meta = uploaded(
        api,
        contact,
        content=b"hello\n",
        name="ignored.bin",
        file_name="Bericht über 2024.txt",
        content_type="text/plain",
    )
    assert (meta["FILE_NAME"], meta["CONTENT_TYPE"]) == ("Bericht über 2024.txt", "text/plain")
    download = api.get(meta["URL"].removeprefix("/v3.1"))
    assert download.content == b"hello\n"
    assert download.headers["Content-Type"] == "text/plain"  # as stored: no charset added
    assert (
        "filename*=UTF-8''Bericht%20%C3%BCber%202024.txt" in download.headers["Content-Disposition"]
    )


def test_format_json_gives_the_metadata_in_any_case(api: httpx.Client, contact: str) -> None:
    meta = uploaded(api, contact)
    for value in ("json", "JSON", "Json"):
        response = api.get(f"/FileAttachments/{meta['FILE_ID']}", params={"format": value})
        assert response.status_code == 200
        assert response.json() == meta
    assert api.get(f"/FileAttachments/{meta['FILE_ID']}?format=binary").content == BINARY
    bad = api.get(f"/FileAttachments/{meta['FILE_ID']}?format=pdf")
    assert bad.status_code == 400
    assert bad.json()["Errors"][0]["FIELD"] == "format"


def test_list_pages_the_records_files(api: httpx.Client, contact: str) -> None:
    first = uploaded(api, contact, name="a.txt", content=b"a")
    second = uploaded(api, contact, name="b.txt", content=b"b")
    assert api.get(f"{contact}/FileAttachments").json() == [first, second]
    page = api.get(f"{contact}/FileAttachments", params={"skip": 1, "top": 1, "count_total": True})
    assert page.json() == [second]
    assert page.headers["X-Total-Count"] == "2"
    later = api.get(f"{contact}/FileAttachments", params={"updated_after_utc": "2999-01-01"})
    assert later.json() == []
    earlier = api.get(f"{contact}/FileAttachments", params={"updated_after_utc": "2000-01-01"})
    assert earlier.json() == [first, second]
    assert api.get("/Contacts/987654321/FileAttachments").status_code == 404


def test_adding_and_deleting_a_file_touch_the_record(api: httpx.Client, contact: str) -> None:
    before = etag(api, contact)
    meta = uploaded(api, contact)
    after_upload = etag(api, contact)
    assert after_upload != before
    assert api.delete(f"/FileAttachments/{meta['FILE_ID']}").status_code == 202
    assert etag(api, contact) != after_upload


def test_delete_removes_the_file_from_disk(
    api: httpx.Client, tenant: Tenant, engine: Engine, contact: str, files_dir: Path
) -> None:
    before = on_disk(files_dir)
    meta = uploaded(api, contact)
    assert len(on_disk(files_dir)) == len(before) + 1
    response = api.delete(f"/FileAttachments/{meta['FILE_ID']}")
    assert response.status_code == 202
    assert response.content == b""
    assert on_disk(files_dir) == before
    assert rows(engine, tenant) == 0
    assert api.get(f"/FileAttachments/{meta['FILE_ID']}").status_code == 404
    assert api.delete(f"/FileAttachments/{meta['FILE_ID']}").status_code == 404
    assert api.get(f"{contact}/FileAttachments").json() == []


def test_uploads_have_their_own_limit(api: httpx.Client, contact: str) -> None:
    """Far past max_body_bytes (1 KiB here), up to exactly max_upload_bytes."""
    meta = uploaded(api, contact, content=b"\x01" * LIMIT)
    assert meta["FILE_SIZE"] == LIMIT


def test_a_file_over_the_limit_is_413_and_leaves_nothing(
    api: httpx.Client, tenant: Tenant, engine: Engine, contact: str, files_dir: Path
) -> None:
    before = on_disk(files_dir)
    for size in (LIMIT + 1, 3 * LIMIT):
        response = upload(api, contact, content=b"\x02" * size)
        assert response.status_code == 413, response.text
        assert str(LIMIT) in response.json()["Message"]
    assert on_disk(files_dir) == before
    assert rows(engine, tenant) == 0


def test_a_chunked_upload_over_the_limit_is_413(
    api: httpx.Client, contact: str, files_dir: Path
) -> None:
    before = on_disk(files_dir)
    boundary = "rolodex-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + b"\x03" * (3 * LIMIT) + f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    response = api.post(
        f"{contact}/FileAttachments",
        content=chunks(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413, response.text
    assert on_disk(files_dir) == before


@pytest.mark.parametrize(
    ("path", "fields", "status", "field"),
    [
        ("/Contacts/987654321", {}, 404, None),
        (None, {"file_category_id": "abc"}, 400, "file_category_id"),
        (None, {"file_category_id": "987654321"}, 400, "file_category_id"),
        (None, {"content_type": "not a type"}, 400, "content_type"),
        (None, {"file_name": "x" * 501}, 400, "file_name"),
    ],
)
def test_a_failed_upload_leaves_no_file_and_no_row(
    api: httpx.Client,
    tenant: Tenant,
    engine: Engine,
    contact: str,
    files_dir: Path,
    path: str | None,
    fields: dict[str, str],
    status: int,
    field: str | None,
) -> None:
    before = on_disk(files_dir)
    response = upload(api, path or contact, form=fields)
    assert response.status_code == status, response.text
    if field is not None:
        assert [e["FIELD"] for e in response.json()["Errors"]] == [field]
    assert on_disk(files_dir) == before
    assert rows(engine, tenant) == 0


def test_a_file_category_of_the_instance_is_accepted(api: httpx.Client, contact: str) -> None:
    category = api.post(
        "/FileCategories", json={"CATEGORY_NAME": "Contracts", "BACKGROUND_COLOR": "00FF00"}
    )
    assert category.status_code == 201, category.text
    category_id = category.json()["CATEGORY_ID"]
    meta = uploaded(api, contact, file_category_id=str(category_id))
    assert meta["FILE_CATEGORY_ID"] == category_id


@pytest.mark.parametrize(
    "body",
    [
        {"files": {"other": ("a.txt", b"a", "text/plain")}},
        {"data": {"file": "not a file part"}, "files": {"x": ("x.txt", b"x")}},
        {"files": [("file", ("a.txt", b"a")), ("file", ("b.txt", b"b"))]},
        {"content": b"--x\r\nnonsense", "headers": {"Content-Type": "multipart/form-data"}},
    ],
)
def test_a_malformed_upload_is_400(
    api: httpx.Client, contact: str, files_dir: Path, body: dict[str, Any]
) -> None:
    before = on_disk(files_dir)
    response = api.post(f"{contact}/FileAttachments", **body)
    assert response.status_code == 400, response.text
    assert response.json()["Message"]
    assert on_disk(files_dir) == before


def test_an_upload_that_is_not_multipart_is_415(api: httpx.Client, contact: str) -> None:
    response = api.post(f"{contact}/FileAttachments", json={"file": "x"})
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["Message"]


def test_a_write_failing_after_the_file_was_placed_leaves_nothing(
    api: httpx.Client,
    tenant: Tenant,
    engine: Engine,
    contact: str,
    files_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The file is in place when the record is touched; the rollback must take it away."""
    before = on_disk(files_dir)

    def fail(self: FileService, row: dict[str, Any]) -> None:
        raise BadRequest("Injected failure after the file was placed.")

    monkeypatch.setattr(FileService, "_touch_self", fail)
    response = upload(api, contact)
    assert response.status_code == 400
    assert on_disk(files_dir) == before
    assert rows(engine, tenant) == 0


def test_a_retried_write_keeps_exactly_one_file(
    api: httpx.Client,
    tenant: Tenant,
    engine: Engine,
    contact: str,
    files_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A busy database makes the transaction run twice: the second run finds the file placed."""
    before = on_disk(files_dir)
    original = FileService._touch_self
    attempts: list[int] = []

    def busy_once(self: FileService, row: dict[str, Any]) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("UPDATE", {}, Exception("database is locked"))
        original(self, row)

    monkeypatch.setattr(FileService, "_touch_self", busy_once)
    meta = uploaded(api, contact)
    assert len(attempts) == 2
    added = {k: v for k, v in on_disk(files_dir).items() if k not in before}
    assert list(added.values()) == [BINARY]
    assert rows(engine, tenant) == 1
    assert api.get(f"/FileAttachments/{meta['FILE_ID']}").content == BINARY


def test_deleting_the_record_removes_its_files(
    api: httpx.Client, tenant: Tenant, engine: Engine, contact: str, files_dir: Path
) -> None:
    before = on_disk(files_dir)
    first = uploaded(api, contact)
    uploaded(api, contact, content=b"second")
    assert api.put(f"{contact}/Image/face.png", content=PNG).status_code == 200
    other = f"/Contacts/{new_record(api, by_collection('Contacts'))}"
    kept = uploaded(api, other, content=b"kept")
    assert len(on_disk(files_dir)) == len(before) + 4

    assert api.delete(contact).status_code == 202
    assert api.get(f"/FileAttachments/{first['FILE_ID']}").status_code == 404
    assert list({k: v for k, v in on_disk(files_dir).items() if k not in before}.values()) == [
        b"kept"
    ]
    assert rows(engine, tenant) == 1
    assert api.get(f"/FileAttachments/{kept['FILE_ID']}").content == b"kept"


def test_another_instances_file_is_404(
    api: httpx.Client, make: Callable[[], Tenant], contact: str
) -> None:
    meta = uploaded(api, contact)
    assert api.put(f"{contact}/Image/face.png", content=PNG).status_code == 200
    intruder = make().client
    file_path = f"/FileAttachments/{meta['FILE_ID']}"
    assert intruder.get(file_path).status_code == 404
    assert intruder.get(file_path, params={"format": "json"}).status_code == 404
    assert intruder.delete(file_path).status_code == 404
    assert intruder.get(f"{contact}/FileAttachments").status_code == 404
    assert upload(intruder, contact).status_code == 404
    assert intruder.get(f"{contact}/Image").status_code == 404
    assert intruder.put(f"{contact}/Image/x.png", content=PNG).status_code == 404
    assert intruder.delete(f"{contact}/Image").status_code == 404
    assert api.get(file_path).content == BINARY
    assert api.get(f"{contact}/Image").content == PNG


@pytest.mark.parametrize("rt", WITH_FILES, ids=lambda rt: rt.collection)
def test_every_type_with_file_attachments_has_them(api: httpx.Client, rt: RecordType) -> None:
    path = f"/{rt.collection}/{new_record(api, rt)}"
    meta = uploaded(api, path)
    assert api.get(f"{path}/fileattachments").json() == [meta]
    assert api.get(f"/fileattachments/{meta['FILE_ID']}").content == BINARY
    assert api.delete(path).status_code == 202
    assert api.get(f"/FileAttachments/{meta['FILE_ID']}").status_code == 404


# --- images --------------------------------------------------------------------------------


@pytest.mark.parametrize("rt", WITH_IMAGE, ids=lambda rt: rt.collection)
def test_image_put_get_delete(
    api: httpx.Client, tenant: Tenant, engine: Engine, rt: RecordType, files_dir: Path
) -> None:
    record_id = new_record(api, rt)
    path = f"/{rt.collection}/{record_id}"
    assert api.get(f"{path}/Image").status_code == 404
    before_disk, before_tag = on_disk(files_dir), etag(api, path)

    response = api.put(f"{path}/Image/face.png", content=PNG)
    assert response.status_code == 200, response.text
    url = f"/v3.1/{rt.collection}/{record_id}/Image"
    assert response.json()["IMAGE_URL"] == url
    assert api.get(path).json()["IMAGE_URL"] == url
    assert etag(api, path) != before_tag
    image = api.get(f"{path}/Image")
    assert image.status_code == 200
    assert image.content == PNG
    assert image.headers["Content-Type"] == "image/png"
    assert 'inline; filename="face.png"' in image.headers["Content-Disposition"]
    # An image is not one of the record's file attachments (a product has none).
    if rt.has(Feature.FILE_ATTACHMENTS):
        assert api.get(f"{path}/FileAttachments").json() == []

    # A new image replaces the old one, on disk too.
    assert api.put(f"{path}/Image/face.gif", content=GIF).status_code == 200
    assert api.get(f"{path}/Image").headers["Content-Type"] == "image/gif"
    added = {k: v for k, v in on_disk(files_dir).items() if k not in before_disk}
    assert list(added.values()) == [GIF]

    assert api.delete(f"{path}/Image").status_code == 202
    assert api.get(path).json()["IMAGE_URL"] is None
    assert api.get(f"{path}/Image").status_code == 404
    assert api.delete(f"{path}/Image").status_code == 404
    assert on_disk(files_dir) == before_disk
    assert rows(engine, tenant) == 0


def test_an_empty_image_is_417(api: httpx.Client, contact: str) -> None:
    response = api.put(f"{contact}/Image/face.png", content=b"")
    assert response.status_code == 417
    assert response.json()["Message"]
    assert api.get(contact).json()["IMAGE_URL"] is None


@pytest.mark.parametrize(
    ("content", "status"),
    [(b"hello, not an image", 400), (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 400)],
)
def test_a_body_that_is_not_an_image_is_400(
    api: httpx.Client, contact: str, files_dir: Path, content: bytes, status: int
) -> None:
    before = on_disk(files_dir)
    response = api.put(f"{contact}/Image/face.png", content=content)
    assert response.status_code == status
    assert "not an image" in response.json()["Message"]
    assert on_disk(files_dir) == before


def test_an_image_over_the_limit_is_413_and_leaves_nothing(
    api: httpx.Client, contact: str, files_dir: Path
) -> None:
    before = on_disk(files_dir)
    response = api.put(f"{contact}/Image/huge.png", content=PNG + b"\x00" * LIMIT)
    assert response.status_code == 413
    assert on_disk(files_dir) == before
    assert api.get(contact).json()["IMAGE_URL"] is None


# --- images of IMAGE custom fields ---------------------------------------------------------


def image_field(api: httpx.Client, rt: RecordType, name: str = "PHOTO__c") -> str:
    """Define an IMAGE custom field on `rt`; its FIELD_NAME."""
    body = {"FIELD_NAME": name, "FIELD_LABEL": "Photo", "FIELD_TYPE": "IMAGE"}
    response = api.post(f"/CustomFields/{rt.collection}", json=body)
    assert response.status_code == 201, response.text
    return name


def custom_value(record: dict[str, Any], name: str) -> Any:
    values = {item["FIELD_NAME"]: item["FIELD_VALUE"] for item in record["CUSTOMFIELDS"]}
    return values.get(name)


@pytest.mark.parametrize("rt", WITH_IMAGE_FIELDS, ids=lambda rt: rt.collection)
def test_image_field_put_get_delete(
    api: httpx.Client, tenant: Tenant, engine: Engine, rt: RecordType, files_dir: Path
) -> None:
    name = image_field(api, rt)
    record_id = new_record(api, rt)
    path = f"/{rt.collection}/{record_id}"
    field = f"{path}/ImageField/{name}"
    assert api.get(field).status_code == 404
    before_disk, before_tag = on_disk(files_dir), etag(api, path)

    response = api.put(f"{field}/face.png", content=PNG)
    assert response.status_code == 200, response.text
    assert custom_value(response.json(), name) == "face.png"
    assert custom_value(api.get(path).json(), name) == "face.png"
    assert etag(api, path) != before_tag
    image = api.get(field.lower())  # paths match in any case
    assert image.status_code == 200
    assert image.content == PNG
    assert image.headers["Content-Type"] == "image/png"
    # Neither the record's image nor one of its file attachments.
    if rt.has(Feature.FILE_ATTACHMENTS):
        assert api.get(f"{path}/FileAttachments").json() == []
    if rt.has(Feature.IMAGE):
        assert api.get(f"{path}/Image").status_code == 404
    # The value is the server's to set: a PUT of CUSTOMFIELDS leaves it.
    sent = {"CUSTOMFIELDS": [{"FIELD_NAME": name, "FIELD_VALUE": "other.png"}]}
    put = put_record(api, rt, record_id, sent)
    assert put.status_code == 200, put.text
    assert custom_value(api.get(path).json(), name) == "face.png"

    # A new image replaces the old one, on disk too.
    assert api.put(f"{field}/face.gif", content=GIF).status_code == 200
    assert api.get(field).headers["Content-Type"] == "image/gif"
    added = {k: v for k, v in on_disk(files_dir).items() if k not in before_disk}
    assert list(added.values()) == [GIF]

    assert api.delete(field).status_code == 202
    assert custom_value(api.get(path).json(), name) is None
    assert api.get(field).status_code == 404
    assert api.delete(field).status_code == 404
    assert on_disk(files_dir) == before_disk
    assert rows(engine, tenant) == 0


def test_an_image_field_goes_with_its_record(
    api: httpx.Client, tenant: Tenant, engine: Engine, files_dir: Path
) -> None:
    contacts = by_collection("Contacts")
    name = image_field(api, contacts)
    before = on_disk(files_dir)
    record_id = new_record(api, contacts)
    assert api.put(f"/Contacts/{record_id}/ImageField/{name}/a.png", content=PNG).status_code == 200
    assert api.delete(f"/Contacts/{record_id}").status_code == 202
    assert rows(engine, tenant) == 0
    assert on_disk(files_dir) == before


def test_the_image_fields_of_line_items_go_with_their_opportunity(
    api: httpx.Client, tenant: Tenant, engine: Engine, files_dir: Path
) -> None:
    """Deleting an owner deletes its lines in a few statements (Repository.delete_many), and
    their images with them, from the disk once that has committed."""
    lines = by_collection("OpportunityLineItem")
    name = image_field(api, lines)
    before = on_disk(files_dir)
    first = new_record(api, lines)
    opportunity = api.get(f"/OpportunityLineItem/{first}").json()["OPPORTUNITY_ID"]
    entry = api.get(f"/OpportunityLineItem/{first}").json()["PRICEBOOK_ENTRY_ID"]
    body = {"PRICEBOOK_ENTRY_ID": entry, "QUANTITY": 2, "UNIT_PRICE": 3}
    second = api.post(f"/Opportunities/{opportunity}/OpportunityLineItem", json=body)
    assert second.status_code == 201, second.text
    for line in (first, second.json()["OPPORTUNITY_ITEM_ID"]):
        put = api.put(f"/OpportunityLineItem/{line}/ImageField/{name}/a.png", content=PNG)
        assert put.status_code == 200, put.text
    assert api.delete(f"/Opportunities/{opportunity}").status_code == 202
    assert api.get(f"/OpportunityLineItem/{first}/ImageField/{name}").status_code == 404
    assert rows(engine, tenant) == 0
    assert on_disk(files_dir) == before


def test_a_line_items_image_field_goes_with_the_line(
    api: httpx.Client, tenant: Tenant, engine: Engine, files_dir: Path
) -> None:
    lines = by_collection("QuotationLineItem")
    name = image_field(api, lines)
    before = on_disk(files_dir)
    line = api.get(f"/QuotationLineItem/{new_record(api, lines)}").json()
    put = api.put(
        f"/QuotationLineItem/{line['QUOTATION_ITEM_ID']}/ImageField/{name}/a.png", content=PNG
    )
    assert put.status_code == 200, put.text
    path = f"/Quotation/{line['QUOTATION_ID']}/QuotationLineItem/{line['QUOTATION_ITEM_ID']}"
    assert api.delete(path).status_code == 202
    assert rows(engine, tenant) == 0
    assert on_disk(files_dir) == before


def test_image_field_refusals(api: httpx.Client, contact: str, files_dir: Path) -> None:
    name = image_field(api, by_collection("Contacts"))
    text = {"FIELD_NAME": "NICK__c", "FIELD_LABEL": "Nick", "FIELD_TYPE": "TEXT"}
    assert api.post("/CustomFields/Contacts", json=text).status_code == 201
    before = on_disk(files_dir)
    unknown = api.put(f"{contact}/ImageField/NOPE__c/a.png", content=PNG)
    assert unknown.status_code == 404 and "NOPE__c" in unknown.json()["Message"]
    assert api.get(f"{contact}/ImageField/NOPE__c").status_code == 404
    not_image = api.put(f"{contact}/ImageField/NICK__c/a.png", content=PNG)
    assert not_image.status_code == 400 and "NICK__c" in not_image.json()["Message"]
    body = api.put(f"{contact}/ImageField/{name}/a.png", content=b"not an image")
    assert body.status_code == 400 and "not an image" in body.json()["Message"]
    huge = api.put(f"{contact}/ImageField/{name}/a.png", content=PNG + b"\x00" * LIMIT)
    assert huge.status_code == 413
    missing = api.put(f"/Contacts/987654321/ImageField/{name}/a.png", content=PNG)
    assert missing.status_code == 404
    assert on_disk(files_dir) == before
    assert custom_value(api.get(contact).json(), name) is None


def test_another_instance_cannot_reach_an_image_field(
    api: httpx.Client, make: Callable[[], Tenant]
) -> None:
    contacts = by_collection("Contacts")
    name = image_field(api, contacts)
    record_id = new_record(api, contacts)
    field = f"/Contacts/{record_id}/ImageField/{name}"
    assert api.put(f"{field}/a.png", content=PNG).status_code == 200
    other = make().client
    image_field(other, contacts)
    assert other.get(field).status_code == 404
    assert other.put(f"{field}/b.png", content=GIF).status_code == 404
    assert other.delete(field).status_code == 404
    assert api.get(field).content == PNG


def test_image_url_is_read_only(api: httpx.Client, contact: str) -> None:
    response = api.put(contact, json={"IMAGE_URL": "http://elsewhere/x.png"})
    assert response.status_code == 200
    assert response.json()["IMAGE_URL"] is None


# --- a comment's files ------------------------------------------------------------------------


def new_comment(api: httpx.Client, parent: str) -> str:
    """The path (/Comments/{id}) of a new comment on the record at `parent`."""
    response = api.post(f"{parent}/Comments", json={"BODY": "See the attached."})
    assert response.status_code == 201, response.text
    return f"/Comments/{response.json()['COMMENT_ID']}"


@pytest.fixture
def note(api: httpx.Client) -> str:
    """The path of a new note (under a contact of its own)."""
    return f"/Notes/{new_record(api, NOTES)}"


def comment_updated(api: httpx.Client, parent: str, comment: str) -> str:
    comment_id = int(comment.rsplit("/", 1)[1])
    (found,) = [c for c in api.get(f"{parent}/Comments").json() if c["COMMENT_ID"] == comment_id]
    return str(found["DATE_UPDATED_UTC"])


def test_a_comments_files_upload_list_download_delete(
    api: httpx.Client, tenant: Tenant, engine: Engine, note: str, files_dir: Path
) -> None:
    comment = new_comment(api, note)
    before = on_disk(files_dir)
    note_etag = etag(api, note)
    first = uploaded(api, comment, name="minutes.bin", file_name="Minutes.bin")
    second = uploaded(api, comment, content=b"second", name="b.txt", media_type="text/plain")
    assert first["FILE_NAME"] == "Minutes.bin"
    assert (
        first["FILE_SIZE"] == len(BINARY)
        and first["URL"] == f"/v3.1/FileAttachments/{first['FILE_ID']}"
    )
    assert etag(api, note) != note_etag  # the comment, and so its parent, changed
    assert len(on_disk(files_dir)) == len(before) + 2

    assert api.get(f"{comment}/FileAttachments").json() == [first, second]
    page = api.get(f"{comment}/fileattachments", params={"skip": 1, "count_total": "TRUE"})
    assert page.json() == [second] and page.headers["X-Total-Count"] == "2"
    assert api.get(f"{note}/FileAttachments").json() == []  # the note's own files are apart
    download = api.get(first["URL"].removeprefix("/v3.1"))
    assert download.status_code == 200 and download.content == BINARY
    meta = api.get(f"/FileAttachments/{second['FILE_ID']}", params={"format": "json"})
    assert meta.json() == second

    updated = comment_updated(api, note, comment)
    assert api.delete(f"/FileAttachments/{first['FILE_ID']}").status_code == 202
    assert api.get(f"{comment}/FileAttachments").json() == [second]
    assert comment_updated(api, note, comment) >= updated
    assert len(on_disk(files_dir)) == len(before) + 1
    assert rows(engine, tenant) == 1


def test_deleting_a_comment_or_its_parent_removes_its_files(
    api: httpx.Client, tenant: Tenant, engine: Engine, note: str, files_dir: Path
) -> None:
    before = on_disk(files_dir)
    doomed = new_comment(api, note)
    gone = uploaded(api, doomed, content=b"gone")
    assert api.delete(doomed).status_code == 202
    assert api.get(f"/FileAttachments/{gone['FILE_ID']}").status_code == 404
    assert api.get(f"{doomed}/FileAttachments").status_code == 404
    assert on_disk(files_dir) == before

    task = api.post("/Tasks", json={"TITLE": "Call back"}).json()["TASK_ID"]
    on_task = new_comment(api, f"/Tasks/{task}")
    on_note = new_comment(api, note)
    task_file = uploaded(api, on_task, content=b"task")
    note_file = uploaded(api, on_note, content=b"note")
    assert api.delete(note).status_code == 202
    assert api.get(f"/FileAttachments/{note_file['FILE_ID']}").status_code == 404
    assert api.get(f"{on_note}/FileAttachments").status_code == 404
    assert api.get(f"/FileAttachments/{task_file['FILE_ID']}").content == b"task"
    assert list({k: v for k, v in on_disk(files_dir).items() if k not in before}.values()) == [
        b"task"
    ]
    assert rows(engine, tenant) == 1


def test_a_missing_or_foreign_comment_has_no_files(
    api: httpx.Client, make: Callable[[], Tenant], note: str, files_dir: Path
) -> None:
    comment = new_comment(api, note)
    meta = uploaded(api, comment)
    before = on_disk(files_dir)
    for missing in ("/Comments/987654321", "/Comments/0"):
        assert api.get(f"{missing}/FileAttachments").status_code == 404
        assert upload(api, missing).status_code == 404
    intruder = make().client
    assert intruder.get(f"{comment}/FileAttachments").status_code == 404
    assert upload(intruder, comment).status_code == 404
    assert intruder.get(f"/FileAttachments/{meta['FILE_ID']}").status_code == 404
    assert intruder.delete(f"/FileAttachments/{meta['FILE_ID']}").status_code == 404
    assert on_disk(files_dir) == before
    assert api.get(f"/FileAttachments/{meta['FILE_ID']}").content == BINARY


def test_bad_uploads_to_a_comment_are_refused(
    api: httpx.Client, tenant: Tenant, engine: Engine, note: str, files_dir: Path
) -> None:
    comment = new_comment(api, note)
    before = on_disk(files_dir)
    too_big = upload(api, comment, content=b"\x02" * (LIMIT + 1))
    assert too_big.status_code == 413, too_big.text
    assert api.post(f"{comment}/FileAttachments", json={"file": "x"}).status_code == 415
    raw = api.post(
        f"{comment}/FileAttachments", content=b"raw", headers={"Content-Type": "text/plain"}
    )
    assert raw.status_code == 415
    no_file = api.post(f"{comment}/FileAttachments", files={"other": ("a.txt", b"a")})
    assert no_file.status_code == 400
    bad_category = upload(api, comment, file_category_id="987654321")
    assert bad_category.status_code == 400, bad_category.text
    assert on_disk(files_dir) == before
    assert rows(engine, tenant) == 0
    assert uploaded(api, comment, content=b"\x01" * LIMIT)["FILE_SIZE"] == LIMIT

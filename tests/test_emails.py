"""Emails: imported from .eml files by the CLI, then read, searched, tagged, linked, deleted."""

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from rolodex.config import Settings
from rolodex.domain.dropbox import addressed_record, record_address
from rolodex.domain.registry import OPPORTUNITIES
from tests._graph_helpers import MISSING_ID, create_contact, create_org, error_fields
from tests.conftest import Tenant
from tests.servers import cli_env, run_cli

EMAIL_FIELDS = {
    "EMAIL_ID",
    "EMAIL_FROM",
    "EMAIL_TO",
    "SUBJECT",
    "EMAIL_DATE_UTC",
    "FORMAT",
    "SIZE",
    "BODY",
    "OWNER_USER_ID",
    "DATE_CREATED_UTC",
    "DATE_UPDATED_UTC",
    "QUEUED_SEND_DATE_UTC",
    "CREATED_USER_ID",
    "TAGS",
    "LINKS",
}

# A multipart/alternative message as a mail client writes it (CRLF line ends, encoded subject).
QUOTE_EML = (
    "Return-Path: <ann@acme.example>\r\n"
    "From: Ann Lee <Ann@Acme.example>\r\n"
    "To: Bob Ray <bob@buyer.example>, sales@rolodex.example\r\n"
    "Subject: =?utf-8?q?Quote_for_Q3_=E2=80=93_revised?=\r\n"
    "Date: Tue, 14 May 2024 15:30:00 +0200\r\n"
    "Message-ID: <quote-1@acme.example>\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/alternative; boundary="b1"\r\n'
    "\r\n"
    "--b1\r\n"
    'Content-Type: text/plain; charset="utf-8"\r\n'
    "\r\n"
    "Hello Bob, the revised quote is attached.\r\n"
    "--b1\r\n"
    'Content-Type: text/html; charset="utf-8"\r\n'
    "\r\n"
    "<p>Hello Bob, the <b>revised</b> quote is attached.</p>\r\n"
    "--b1--\r\n"
)
PLAIN_EML = (
    "From: nobody@elsewhere.example\r\n"
    "To: someone@elsewhere.example\r\n"
    "Subject: Lunch\r\n"
    "Date: Wed, 15 May 2024 09:00:00 +0000\r\n"
    "\r\n"
    "Noon?\r\n"
)


@pytest.fixture
def import_emails(
    database_url: str, settings: Settings, tmp_path: Path, tenant: Tenant
) -> Callable[..., list[int]]:
    """Write .eml files and import them with `rolodex emails import`; returns the new ids."""
    owner = tenant.client.get("/Users/Me").json()["EMAIL_ADDRESS"]
    env = cli_env(database_url, files_dir=str(settings.files_dir))

    def run(*messages: str) -> list[int]:
        paths = []
        for n, message in enumerate(messages):
            path = tmp_path / f"message-{n}.eml"
            path.write_bytes(message.encode())
            paths.append(str(path))
        args = ["--instance", str(tenant.instance_id), "--owner-email", owner]
        done = run_cli(env, "emails", "import", *args, *paths)
        assert done.returncode == 0, done.stderr
        return [int(value) for value in done.stdout.strip().splitlines()[-1].split()]

    return run


def test_import_reads_the_message_and_links_its_people(
    api: httpx.Client, tenant: Tenant, import_emails: Callable[..., list[int]]
) -> None:
    ann = create_contact(api, "Ann", EMAIL_ADDRESS="ann@acme.example")
    create_contact(api, "Other", EMAIL_ADDRESS="other@acme.example")
    lead = api.post("/Leads", json={"LAST_NAME": "Ray", "EMAIL": "BOB@buyer.example"})
    assert lead.status_code == 201, lead.text
    buyer = create_org(api, "Buyer Ltd", EMAILDOMAINS=[{"EMAIL_DOMAIN": "buyer.example"}])
    create_org(api, "Unrelated Ltd", EMAILDOMAINS=[{"EMAIL_DOMAIN": "other.example"}])

    [email_id] = import_emails(QUOTE_EML)

    email = api.get(f"/Emails/{email_id}").json()
    assert set(email) == EMAIL_FIELDS
    assert email["SUBJECT"] == "Quote for Q3 \u2013 revised"
    assert email["EMAIL_FROM"] == "Ann Lee <Ann@Acme.example>"
    assert email["EMAIL_TO"] == "Bob Ray <bob@buyer.example>, sales@rolodex.example"
    assert email["EMAIL_DATE_UTC"] == "2024-05-14 13:30:00"
    assert email["FORMAT"] == "html"
    assert email["BODY"].strip() == "<p>Hello Bob, the <b>revised</b> quote is attached.</p>"
    assert email["SIZE"] == len(QUOTE_EML.encode())
    assert email["OWNER_USER_ID"] == email["CREATED_USER_ID"] == tenant.user_id
    linked = {(link["LINK_OBJECT_NAME"], link["LINK_OBJECT_ID"]) for link in email["LINKS"]}
    assert linked == {("Contact", ann), ("Lead", lead.json()["LEAD_ID"]), ("Organisation", buyer)}
    for collection, record_id in (("Contacts", ann), ("Organisations", buyer)):
        related = api.get(f"/{collection}/{record_id}/Emails")
        assert related.status_code == 200, related.text
        assert [e["EMAIL_ID"] for e in related.json()] == [email_id]


def test_list_search_and_paging(api: httpx.Client, import_emails: Callable[..., list[int]]) -> None:
    quote, lunch = import_emails(QUOTE_EML, PLAIN_EML)

    assert [e["EMAIL_ID"] for e in api.get("/Emails").json()] == [quote, lunch]
    assert [e["EMAIL_ID"] for e in api.get("/Emails", params={"skip": 1}).json()] == [lunch]
    brief = api.get("/Emails", params={"brief": "true"}).json()[1]
    assert "TAGS" not in brief and brief["FORMAT"] == "text" and brief["BODY"] == "Noon?\n"
    found = api.get("/Emails/Search", params={"field_name": "subject", "field_value": "LUNCH"})
    assert [e["EMAIL_ID"] for e in found.json()] == [lunch]
    bad = api.get("/Emails/Search", params={"field_name": "NOPE", "field_value": "x"})
    assert bad.status_code == 400 and "NOPE" in bad.json()["Message"]
    assert api.get(f"/Emails/{MISSING_ID}").status_code == 404


def test_tags_links_follow_and_search_by_tag(
    api: httpx.Client, import_emails: Callable[..., list[int]]
) -> None:
    quote, lunch = import_emails(QUOTE_EML, PLAIN_EML)
    contact = create_contact(api, "Linked")

    assert api.post(f"/Emails/{quote}/Tags", json={"TAG_NAME": "Deal"}).status_code == 201
    assert api.get(f"/Emails/{quote}/Tags").json() == [{"TAG_NAME": "Deal"}]
    tagged = api.get("/Emails/SearchByTag", params={"tagName": "deal"})
    assert [e["EMAIL_ID"] for e in tagged.json()] == [quote]
    link = api.post(
        f"/Emails/{lunch}/Links", json={"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": contact}
    )
    assert link.status_code == 201, link.text
    assert [e["EMAIL_ID"] for e in api.get(f"/Contacts/{contact}/Emails").json()] == [lunch]
    assert api.post(f"/Emails/{lunch}/Follow").json() == {"FOLLOWING": True}
    bad_link = api.post(
        f"/Emails/{lunch}/Links", json={"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": MISSING_ID}
    )
    assert bad_link.status_code == 400
    assert any("LINK_OBJECT_ID" in field for field in error_fields(bad_link))
    assert len(api.get(f"/Emails/{lunch}/Links").json()) == 1


def test_emails_cannot_be_created_or_changed_over_the_api(
    api: httpx.Client, import_emails: Callable[..., list[int]]
) -> None:
    [email_id] = import_emails(PLAIN_EML)
    before = api.get(f"/Emails/{email_id}").json()

    for method, path in (
        ("POST", "/Emails"),
        ("PUT", "/Emails"),
        ("PUT", f"/Emails/{email_id}"),
    ):
        response = api.request(method, path, json={"EMAIL_ID": email_id, "SUBJECT": "Changed"})
        assert response.status_code == 405, (method, path, response.text)
        assert "GET" in response.headers["Allow"]
    assert api.get(f"/Emails/{email_id}").json() == before
    assert api.get("/Emails", params={"count_total": "true"}).headers["X-Total-Count"] == "1"


def test_delete_takes_links_tags_and_comments(
    api: httpx.Client, import_emails: Callable[..., list[int]]
) -> None:
    contact = create_contact(api, "Lunch", EMAIL_ADDRESS="nobody@elsewhere.example")
    doomed, kept = import_emails(PLAIN_EML, PLAIN_EML)
    api.post(f"/Emails/{doomed}/Tags", json={"TAG_NAME": "Gone"})
    comment = api.post(f"/Emails/{doomed}/Comments", json={"BODY": "noted"}).json()

    response = api.delete(f"/Emails/{doomed}")

    assert response.status_code == 202, response.text
    assert api.get(f"/Emails/{doomed}").status_code == 404
    assert [e["EMAIL_ID"] for e in api.get(f"/Contacts/{contact}/Emails").json()] == [kept]
    assert api.get("/Emails/SearchByTag", params={"tagName": "Gone"}).json() == []
    gone = api.put("/Comments", json={"COMMENT_ID": comment["COMMENT_ID"], "BODY": "x"})
    assert gone.status_code == 404
    assert api.delete(f"/Emails/{doomed}").status_code == 404


def test_a_bad_file_imports_nothing(
    api: httpx.Client, database_url: str, tmp_path: Path, tenant: Tenant
) -> None:
    owner = api.get("/Users/Me").json()["EMAIL_ADDRESS"]
    good = tmp_path / "good.eml"
    good.write_bytes(PLAIN_EML.encode())
    long_subject = tmp_path / "long.eml"
    long_subject.write_bytes(PLAIN_EML.replace("Lunch", "x" * 501).encode())
    env = cli_env(database_url)
    args = ["emails", "import", "--instance", str(tenant.instance_id)]

    done = run_cli(env, *args, "--owner-email", owner, str(good), str(long_subject))
    assert done.returncode == 1
    assert "long.eml" in done.stderr and "SUBJECT" in done.stderr
    nobody = run_cli(env, *args, "--owner-email", "nobody@example.com", str(good))
    assert nobody.returncode == 1 and "nobody@example.com" in nobody.stderr
    assert api.get("/Emails").json() == []


def test_another_instance_sees_nothing(
    make_tenant: Any, import_emails: Callable[..., list[int]]
) -> None:
    [email_id] = import_emails(PLAIN_EML)
    other = make_tenant().client
    assert other.get(f"/Emails/{email_id}").status_code == 404
    assert other.delete(f"/Emails/{email_id}").status_code == 404
    assert other.get("/Emails").json() == []


# A message with a PDF and a binary file attached (base64, as mail clients send them).
ATTACHED_EML = (
    "From: ann@acme.example\r\n"
    "To: bob@buyer.example\r\n"
    "Subject: Contract\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="m1"\r\n'
    "\r\n"
    "--m1\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Signed copy attached.\r\n"
    "--m1\r\n"
    'Content-Type: application/pdf; name="contract.pdf"\r\n'
    'Content-Disposition: attachment; filename="contract.pdf"\r\n'
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    f"{base64.b64encode(b'%PDF-1.4 contract').decode()}\r\n"
    "--m1\r\n"
    "Content-Type: application/octet-stream\r\n"
    'Content-Disposition: attachment; filename="blob.bin"\r\n'
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    f"{base64.b64encode(bytes(range(256))).decode()}\r\n"
    "--m1--\r\n"
)


def test_attachments_become_file_attachments(
    api: httpx.Client, import_emails: Callable[..., list[int]]
) -> None:
    [email_id] = import_emails(ATTACHED_EML)
    files = api.get(f"/Emails/{email_id}/FileAttachments").json()
    assert [(f["FILE_NAME"], f["CONTENT_TYPE"]) for f in files] == [
        ("contract.pdf", "application/pdf"),
        ("blob.bin", "application/octet-stream"),
    ]
    assert api.get(f"/FileAttachments/{files[0]['FILE_ID']}").content == b"%PDF-1.4 contract"
    assert api.get(f"/FileAttachments/{files[1]['FILE_ID']}").content == bytes(range(256))
    assert api.get(f"/Emails/{email_id}").json()["BODY"].strip() == "Signed copy attached."


def test_a_failed_import_leaves_no_email_and_no_file(
    database_url: str, settings: Settings, tmp_path: Path, tenant: Tenant
) -> None:
    files_dir = Path(str(settings.files_dir))
    before = sorted(p for p in files_dir.rglob("*") if p.is_file())
    count = tenant.client.get("/Emails", params={"count_total": "true"}).headers["X-Total-Count"]
    path = tmp_path / "big.eml"
    path.write_bytes(ATTACHED_EML.encode())
    owner = tenant.client.get("/Users/Me").json()["EMAIL_ADDRESS"]
    # The second attachment (256 bytes) is over this limit; the first was stored already.
    env = cli_env(database_url, files_dir=str(files_dir), max_upload_bytes="100")
    done = run_cli(
        env,
        *("emails", "import", "--instance", str(tenant.instance_id), "--owner-email", owner),
        str(path),
    )
    assert done.returncode == 1
    assert "big.eml" in done.stderr and "upload limit" in done.stderr
    assert sorted(p for p in files_dir.rglob("*") if p.is_file()) == before
    after = tenant.client.get("/Emails", params={"count_total": "true"}).headers["X-Total-Count"]
    assert after == count


# --- dropbox addresses: GET /{Coll}/{id}/LinkEmailAddress -------------------------------------

DROPBOX_TYPES = [("Leads", {"LAST_NAME": "Ray"}), ("Opportunities", {"OPPORTUNITY_NAME": "Deal"})]
DROPBOX_TYPES.append(("Projects", {"PROJECT_NAME": "Build", "STATUS": "NOT STARTED"}))


def dropbox_eml(header: str, address: str, subject: str = "For the record") -> str:
    return (
        "From: ann@acme.example\r\n"
        f"{header}: {address}\r\n"
        f"Subject: {subject}\r\n"
        "Date: Wed, 15 May 2024 09:00:00 +0000\r\n"
        "\r\n"
        "Filed.\r\n"
    )


def links_of(api: httpx.Client, email_id: int) -> set[tuple[str, int]]:
    email = api.get(f"/Emails/{email_id}").json()
    return {(link["LINK_OBJECT_NAME"], link["LINK_OBJECT_ID"]) for link in email["LINKS"]}


@pytest.mark.parametrize(("collection", "body"), DROPBOX_TYPES, ids=[c for c, _ in DROPBOX_TYPES])
def test_a_records_link_email_address_links_mail_sent_to_it(
    api: httpx.Client,
    tenant: Tenant,
    import_emails: Callable[..., list[int]],
    collection: str,
    body: dict[str, str],
) -> None:
    created = api.post(f"/{collection}", json=body)
    assert created.status_code == 201, created.text
    singular = {"Leads": "Lead", "Opportunities": "Opportunity", "Projects": "Project"}[collection]
    record_id = created.json()[f"{singular.upper()}_ID"]
    response = api.get(f"/{collection}/{record_id}/LinkEmailAddress")
    assert response.status_code == 200, response.text
    address = response.json()["EMAIL"]
    assert set(response.json()) == {"EMAIL"}
    assert address == f"{singular.lower()}-{tenant.instance_id}-{record_id}@dropbox.rolodex.invalid"
    assert api.get(f"/{collection.lower()}/{record_id}/linkemailaddress").json() == response.json()
    xml = api.get(f"/{collection}/{record_id}/LinkEmailAddress", headers={"Accept": "text/xml"})
    assert f"<EMAIL>{address}</EMAIL>" in xml.text
    assert api.get(f"/{collection}/{MISSING_ID}/LinkEmailAddress").status_code == 404

    emails = import_emails(
        dropbox_eml("To", f"Filing <{address.upper()}>"),
        dropbox_eml("Cc", f"bob@buyer.example, {address}"),
        dropbox_eml("Bcc", address),
        dropbox_eml("Delivered-To", address),
        dropbox_eml("To", "bob@buyer.example"),
    )
    for email_id in emails[:4]:
        assert links_of(api, email_id) == {(singular, record_id)}
    assert links_of(api, emails[4]) == set()
    assert api.get(f"/Emails/{emails[0]}/Links").json()[0]["LINK_OBJECT_ID"] == record_id


def test_an_address_of_a_missing_or_foreign_record_links_nothing(
    api: httpx.Client,
    tenant: Tenant,
    make_tenant: Any,
    import_emails: Callable[..., list[int]],
) -> None:
    lead = api.post("/Leads", json={"LAST_NAME": "Ray"}).json()["LEAD_ID"]
    address = api.get(f"/Leads/{lead}/LinkEmailAddress").json()["EMAIL"]
    other = make_tenant().client
    assert other.get(f"/Leads/{lead}/LinkEmailAddress").status_code == 404
    foreign_lead = other.post("/Leads", json={"LAST_NAME": "Elsewhere"}).json()["LEAD_ID"]
    foreign = other.get(f"/Leads/{foreign_lead}/LinkEmailAddress").json()["EMAIL"]
    instance = tenant.instance_id
    emails = import_emails(
        dropbox_eml("To", f"lead-{instance}-{MISSING_ID}@dropbox.rolodex.invalid"),
        dropbox_eml("To", foreign),
        dropbox_eml("To", address.replace("dropbox.rolodex.invalid", "elsewhere.example")),
        dropbox_eml("To", f"contact-{instance}-{lead}@dropbox.rolodex.invalid"),
        dropbox_eml("To", f"{address}, {address}"),
    )
    assert [links_of(api, email_id) for email_id in emails] == [set()] * 4 + [{("Lead", lead)}]
    assert other.get(f"/Leads/{foreign_lead}/Emails").json() == []


def test_the_dropbox_domain_is_a_setting() -> None:
    address = record_address(OPPORTUNITIES, 3, 42, "Mail.Example.COM")
    assert address == "opportunity-3-42@mail.example.com"
    assert addressed_record(address.upper(), 3, "mail.example.com") == (OPPORTUNITIES, 42)
    assert addressed_record(address, 4, "mail.example.com") is None
    assert addressed_record(address, 3, "dropbox.rolodex.invalid") is None
    assert addressed_record("opportunity-3-x@mail.example.com", 3, "mail.example.com") is None

"""`rolodex export`, `import` and `sync` run as real commands against real servers."""

import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rolodex.client import Client, custom_fields_dict
from tests.conftest import Tenant, free_port
from tests.holding_proxy import HoldingProxy
from tests.servers import ROLODEX, cli_env, run_cli, served

COLOUR = {"FIELD_NAME": "Colour__c", "FIELD_LABEL": "Colour", "FIELD_TYPE": "TEXT"}


def _define_colour(tenant: Tenant) -> None:
    response = tenant.client.post("/CustomFields/Contacts", json=COLOUR)
    assert response.status_code == 201, response.text


def _picture(crm: Client) -> dict[str, Any]:
    """Everything that must survive, keyed by names (ids differ between systems)."""
    orgs = {o["ORGANISATION_ID"]: o["ORGANISATION_NAME"] for o in crm.organisations.iterate()}
    contacts = {c["CONTACT_ID"]: c for c in crm.contacts.iterate()}
    names = {cid: c["FIRST_NAME"] for cid, c in contacts.items()}
    picture = {}
    for contact in contacts.values():
        links = sorted(
            (
                k["LINK_OBJECT_NAME"],
                (orgs if k["LINK_OBJECT_NAME"] == "Organisation" else names)[k["LINK_OBJECT_ID"]],
                k["ROLE"],
            )
            for k in contact["LINKS"]
        )
        picture[contact["FIRST_NAME"]] = {
            "TITLE": contact["TITLE"],
            "EMAIL": contact["EMAIL_ADDRESS"],
            "ORG": orgs.get(contact["ORGANISATION_ID"]),
            "TAGS": sorted(t["TAG_NAME"] for t in contact["TAGS"]),
            "CUSTOM": custom_fields_dict(contact),
            "LINKS": links,
        }
    return {"orgs": sorted(orgs.values()), "contacts": picture}


def _fill(crm: Client, prefix: str = "") -> None:
    acme = crm.organisations.create({"ORGANISATION_NAME": f"{prefix}Acme"})["ORGANISATION_ID"]
    ada = crm.contacts.create(
        {
            "FIRST_NAME": f"{prefix}Ada",
            "TITLE": "Countess",
            "EMAIL_ADDRESS": f"{prefix}ada@example.com",
            "ORGANISATION_ID": acme,
            "TAGS": [{"TAG_NAME": "vip"}, {"TAG_NAME": "maths; logic"}],
            "CUSTOMFIELDS": [{"FIELD_NAME": "Colour__c", "FIELD_VALUE": "blue"}],
            "LINKS": [{"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": acme, "ROLE": "CEO"}],
        }
    )["CONTACT_ID"]
    crm.contacts.create(
        {
            "FIRST_NAME": f"{prefix}Charles",
            "EMAIL_ADDRESS": f"{prefix}charles@example.com",
            "LINKS": [{"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": ada}],
        }
    )


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return cli_env(database_url)


def test_jsonl_round_trip_is_lossless(
    base_url: str, make_tenant: Callable[[], Tenant], env: dict[str, str], tmp_path: Path
) -> None:
    source, target = make_tenant(), make_tenant()
    _define_colour(source)
    _define_colour(target)
    with Client(base_url, source.api_key) as crm:
        _fill(crm)
        expected = _picture(crm)
    id_map = tmp_path / "ids.json"
    for name in ("Organisations", "Contacts"):
        out = tmp_path / f"{name}.jsonl"
        done = run_cli(
            env,
            "export",
            "--url",
            base_url,
            "--key",
            source.api_key,
            "--object",
            name,
            "-o",
            str(out),
            "--quiet",
        )
        assert done.returncode == 0, done.stderr
        done = run_cli(
            env,
            "import",
            str(out),
            "--url",
            base_url,
            "--key",
            target.api_key,
            "--object",
            name,
            "--id-map",
            str(id_map),
            "--quiet",
        )
        assert done.returncode == 0, done.stdout + done.stderr
    with Client(base_url, target.api_key) as crm:
        got = _picture(crm)
    for name, contact in expected["contacts"].items():
        assert got["contacts"][name] == contact, name
    assert got == expected
    # Importing the same files again changes nothing.
    for name in ("Organisations", "Contacts"):
        again = run_cli(
            env,
            "import",
            str(tmp_path / f"{name}.jsonl"),
            "--url",
            base_url,
            "--key",
            target.api_key,
            "--object",
            name,
            "--id-map",
            str(id_map),
            "--quiet",
        )
        assert again.returncode == 0, again.stderr
        assert " 0 created, 0 updated" in again.stdout
    with Client(base_url, target.api_key) as crm:
        assert _picture(crm) == expected


def test_csv_round_trip_and_local_import(
    base_url: str,
    make_tenant: Callable[[], Tenant],
    env: dict[str, str],
    database_url: str,
    tmp_path: Path,
) -> None:
    source, target, local = make_tenant(), make_tenant(), make_tenant()
    for tenant in (source, target, local):
        _define_colour(tenant)
    with Client(base_url, source.api_key) as crm:
        crm.contacts.create(
            {
                "FIRST_NAME": "Grace",
                "TITLE": "Rear Admiral",
                "EMAIL_ADDRESS": "grace@example.com",
                "EMAIL_OPTED_OUT": True,
                "TAGS": [{"TAG_NAME": "navy"}, {"TAG_NAME": "cobol"}],
                "CUSTOMFIELDS": [{"FIELD_NAME": "Colour__c", "FIELD_VALUE": "green"}],
            }
        )
        expected = _picture(crm)["contacts"]
    out = tmp_path / "contacts.csv"
    done = run_cli(
        env,
        "export",
        "--url",
        base_url,
        "--key",
        source.api_key,
        "--object",
        "Contacts",
        "--format",
        "csv",
        "-o",
        str(out),
        "-q",
    )
    assert done.returncode == 0, done.stderr
    done = run_cli(
        env,
        "import",
        str(out),
        "--url",
        base_url,
        "--key",
        target.api_key,
        "--object",
        "Contacts",
        "--match-on",
        "EMAIL_ADDRESS",
        "-q",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_cli(
        env,
        "import",
        str(out),
        "--database-url",
        database_url,
        "--instance",
        str(local.instance_id),
        "--object",
        "Contacts",
        "-q",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for tenant in (target, local):
        with Client(base_url, tenant.api_key) as crm:
            assert _picture(crm)["contacts"] == expected


def test_bad_rows_go_to_the_reject_file_and_reimport_changes_nothing(
    base_url: str, tenant: Tenant, env: dict[str, str], tmp_path: Path
) -> None:
    _define_colour(tenant)
    data = tmp_path / "people.csv"
    data.write_text(
        "First Name,Last Name,Email Address,Favourite,Tags\n"
        "Ada,Lovelace,ada@example.com,blue,vip;maths\n"
        ",Nobody,nobody@example.com,red,\n"
        "Alan,Turing,alan@example.com,green,\n"
        "Bad,Date,bad@example.com,red,\n",
        encoding="utf-8",
    )
    common = ["--url", base_url, "--key", tenant.api_key, "--object", "Contacts", "-q"]
    unmapped = run_cli(env, "import", str(data), *common)
    assert unmapped.returncode == 2
    assert "Favourite" in unmapped.stderr  # a column that maps to nothing stops the import
    mapped = [*common, "--map", "Favourite=Colour__c", "--match-on", "EMAIL_ADDRESS"]
    dry = run_cli(env, "import", str(data), *mapped, "--dry-run")
    assert "Would import 4 row(s): 3 created" in dry.stdout
    assert tenant.client.get("/Contacts").json() == []
    first = run_cli(env, "import", str(data), *mapped)
    assert first.returncode == 3, first.stderr  # some rows were rejected
    assert "3 created" in first.stdout
    assert "1 rejected" in first.stdout
    reject_text = (tmp_path / "people.csv.rejects.jsonl").read_text(encoding="utf-8")
    rejects = [json.loads(line) for line in reject_text.splitlines()]
    assert [(r["line"], r["row"]["Last Name"]) for r in rejects] == [(3, "Nobody")]
    assert "FIRST_NAME" in rejects[0]["reason"]
    second = run_cli(env, "import", str(data), *mapped)
    assert "0 created, 0 updated, 3 unchanged" in second.stdout
    contacts = tenant.client.get("/Contacts").json()
    assert sorted(c["FIRST_NAME"] for c in contacts) == ["Ada", "Alan", "Bad"]
    ada = next(c for c in contacts if c["FIRST_NAME"] == "Ada")
    assert sorted(t["TAG_NAME"] for t in ada["TAGS"]) == ["maths", "vip"]
    assert custom_fields_dict(ada) == {"Colour__c": "blue"}


def _sync_args(from_url: str, from_key: str, to_url: str, to_key: str, state: Path) -> list[str]:
    return [
        *("sync", "--from-url", from_url, "--from-key", from_key, "--to-url", to_url),
        *("--to-key", to_key, "--objects", "Contacts,Organisations", "--state", str(state), "-q"),
    ]


@pytest.fixture
def second_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Another Rolodex server process with a database of its own; (URL, admin API key)."""
    env = cli_env(f"sqlite:///{tmp_path / 'target.db'}", rate_limit_per_second="0")
    done = run_cli(env, "bootstrap")
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip().splitlines()[-1]
    with served(env, free_port()) as url:
        with Client(url, key) as crm:
            crm.request("POST", "/CustomFields/Contacts", json=COLOUR)
        yield url, key


def test_sync_converges_after_creates_updates_links_and_deletions(
    base_url: str,
    tenant: Tenant,
    env: dict[str, str],
    second_server: tuple[str, str],
    tmp_path: Path,
) -> None:
    _define_colour(tenant)
    target_url, target_key = second_server
    state = tmp_path / "state.json"
    args = _sync_args(base_url, tenant.api_key, target_url, target_key, state)

    def converged() -> None:
        with Client(base_url, tenant.api_key) as src, Client(target_url, target_key) as dst:
            assert _picture(dst) == _picture(src)

    with Client(base_url, tenant.api_key) as crm:
        _fill(crm)
        first = run_cli(env, *args)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "3 created" in first.stdout
        converged()

        # Updates, a link change and a deletion.
        ada = crm.contacts.search("FIRST_NAME", "Ada")[0]
        charles = crm.contacts.search("FIRST_NAME", "Charles")[0]
        acme = crm.organisations.search("ORGANISATION_NAME", "Acme")[0]
        crm.contacts.update(
            ada["CONTACT_ID"], {"TITLE": "Analyst", "CUSTOMFIELDS": {"Colour__c": "red"}}
        )
        crm.contacts.update(
            charles["CONTACT_ID"],
            {
                "LINKS": [
                    {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": acme["ORGANISATION_ID"]}
                ]
            },
        )
        gone = crm.contacts.create({"FIRST_NAME": "Temporary"})
        run_cli(env, *args)
        crm.contacts.delete(gone["CONTACT_ID"])
        second = run_cli(env, *args)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "1 deleted" in second.stdout
        converged()


def test_sync_carries_the_service_and_marketing_records_and_their_references(
    base_url: str,
    tenant: Tenant,
    env: dict[str, str],
    second_server: tuple[str, str],
    tmp_path: Path,
) -> None:
    """Knowledge folders refer to their category, articles to both, tickets and prospects to
    contacts: each reference is mapped to the target's record (issue 15)."""
    target_url, target_key = second_server
    objects = "KnowledgeArticle,KnowledgeArticleFolder,KnowledgeArticleCategory,Ticket,Prospect"
    args = [
        *("sync", "--from-url", base_url, "--from-key", tenant.api_key, "--to-url", target_url),
        *("--to-key", target_key, "--objects", f"Contacts,{objects}"),
        *("--state", str(tmp_path / "state.json"), "-q"),
    ]
    api = tenant.client
    ada = api.post("/Contacts", json={"FIRST_NAME": "Ada"}).json()["CONTACT_ID"]
    category = api.post("/KnowledgeArticleCategory", json={"CATEGORY_NAME": "Printers"}).json()
    folder = api.post(
        "/KnowledgeArticleFolder",
        json={"FOLDER_NAME": "Jams", "CATEGORY_ID": category["CATEGORY_ID"]},
    ).json()
    article = {"TITLE": "Jam", "STATUS": "Published", "TAGS": [{"TAG_NAME": "howto"}]}
    article |= {"FOLDER_ID": folder["FOLDER_ID"], "CATEGORY_ID": category["CATEGORY_ID"]}
    assert api.post("/KnowledgeArticle", json=article).status_code == 201
    ticket = {"SUBJECT": "Jammed", "CONTACT_ID": ada, "TICKET_STATUS": "Open"}
    assert api.post("/Ticket", json=ticket).status_code == 201
    assert api.post("/Prospect", json={"LAST_NAME": "Byron", "CONTACT_ID": ada}).status_code == 201

    done = run_cli(env, *args)

    assert done.returncode == 0, done.stdout + done.stderr
    with Client(target_url, target_key) as dst:
        [copied_ada] = dst.request("GET", "/Contacts").json()
        [copied_category] = dst.request("GET", "/KnowledgeArticleCategory").json()
        [copied_folder] = dst.request("GET", "/KnowledgeArticleFolder").json()
        [copied_article] = dst.request("GET", "/KnowledgeArticle").json()
        [copied_ticket] = dst.request("GET", "/Ticket").json()
        [copied_prospect] = dst.request("GET", "/Prospect").json()
    assert copied_folder["CATEGORY_ID"] == copied_category["CATEGORY_ID"]
    assert copied_article["FOLDER_ID"] == copied_folder["FOLDER_ID"]
    assert copied_article["CATEGORY_ID"] == copied_category["CATEGORY_ID"]
    assert (copied_article["STATUS"], copied_article["TAGS"]) == (
        "Published",
        [{"TAG_NAME": "howto"}],
    )
    assert (copied_ticket["SUBJECT"], copied_ticket["TICKET_STATUS"]) == ("Jammed", "Open")
    assert copied_ticket["CONTACT_ID"] == copied_ada["CONTACT_ID"]
    assert copied_prospect["CONTACT_ID"] == copied_ada["CONTACT_ID"]


def test_sync_carries_the_sales_catalogue_and_its_references(
    base_url: str,
    tenant: Tenant,
    env: dict[str, str],
    second_server: tuple[str, str],
    tmp_path: Path,
) -> None:
    """Products, price books and quotations (issue 15), a quotation's OPPORTUNITY_ID and
    PRICEBOOK_ID mapped to the target's records, its totals the target's own."""
    target_url, target_key = second_server
    args = [
        *("sync", "--from-url", base_url, "--from-key", tenant.api_key, "--to-url", target_url),
        *("--to-key", target_key, "--objects", "Quotation,Pricebook,Product,Opportunities"),
        *("--state", str(tmp_path / "state.json"), "-q"),
    ]
    api = tenant.client
    product = api.post("/Product", json={"PRODUCT_NAME": "Widget", "DEFAULT_PRICE": 3.5})
    book = api.post("/Pricebook", json={"NAME": "Trade", "CURRENCY_CODE": "EUR"}).json()
    deal = api.post("/Opportunities", json={"OPPORTUNITY_NAME": "Deal"}).json()
    quotation = {"QUOTATION_NAME": "Offer", "TAX": 2, "PRICEBOOK_ID": book["PRICEBOOK_ID"]}
    quotation["OPPORTUNITY_ID"] = deal["OPPORTUNITY_ID"]
    assert product.status_code == 201 and api.post("/Quotation", json=quotation).status_code == 201

    done = run_cli(env, *args)

    assert done.returncode == 0, done.stdout + done.stderr
    with Client(target_url, target_key) as dst:
        [copied_product] = dst.request("GET", "/Product").json()
        [copied_book] = dst.request("GET", "/Pricebook").json()
        [copied_deal] = dst.request("GET", "/Opportunities").json()
        [copied_quotation] = dst.request("GET", "/Quotation").json()
    assert (copied_product["PRODUCT_NAME"], copied_product["DEFAULT_PRICE"]) == ("Widget", 3.5)
    assert copied_quotation["PRICEBOOK_ID"] == copied_book["PRICEBOOK_ID"]
    assert copied_quotation["OPPORTUNITY_ID"] == copied_deal["OPPORTUNITY_ID"]
    assert (copied_quotation["CURRENCY_CODE"], copied_quotation["GRAND_TOTAL"]) == ("EUR", 2)


def test_sync_carries_price_book_entries_and_line_items_under_their_owners(
    base_url: str,
    tenant: Tenant,
    env: dict[str, str],
    second_server: tuple[str, str],
    tmp_path: Path,
) -> None:
    """The records kept under an owner are written under the target's owner, their references
    mapped; an opportunity gets the book its lines are priced from; changes and deletions
    follow, and `rolodex export` writes them like any type."""
    target_url, target_key = second_server
    objects = "Product,Pricebook,PricebookEntry,Opportunities,OpportunityLineItem"
    objects += ",Quotation,QuotationLineItem"
    args = [
        *("sync", "--from-url", base_url, "--from-key", tenant.api_key, "--to-url", target_url),
        *("--to-key", target_key, "--objects", objects),
        *("--state", str(tmp_path / "state.json"), "-q"),
    ]
    api = tenant.client

    def made(response: Any) -> Any:
        assert response.status_code in (200, 201), response.text
        return response.json()

    product = made(api.post("/Product", json={"PRODUCT_NAME": "Widget"}))["PRODUCT_ID"]
    book = made(api.post("/Pricebook", json={"NAME": "Trade", "CURRENCY_CODE": "EUR"}))
    book_id = book["PRICEBOOK_ID"]
    entry = made(
        api.post(f"/Product/{product}/PricebookEntry", json={"PRICEBOOK_ID": book_id, "PRICE": 4})
    )["PRICEBOOK_ENTRY_ID"]
    deal = made(api.post("/Opportunities", json={"OPPORTUNITY_NAME": "Deal"}))["OPPORTUNITY_ID"]
    made(api.put(f"/Opportunities/{deal}/Pricebook", json={"PRICEBOOK_ID": book_id}))
    line = {"PRICEBOOK_ENTRY_ID": entry, "QUANTITY": 3, "UNIT_PRICE": 4}
    item = made(api.post(f"/Opportunities/{deal}/OpportunityLineItem", json=line))
    quotation = {"QUOTATION_NAME": "Offer", "PRICEBOOK_ID": book_id, "OPPORTUNITY_ID": deal}
    quote = made(api.post("/Quotation", json=quotation))["QUOTATION_ID"]
    quote_line = made(api.post(f"/Quotation/{quote}/QuotationLineItem", json=line))

    done = run_cli(env, *args)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 failed" in done.stdout, done.stdout
    with Client(target_url, target_key) as dst:
        [copied_entry] = dst.request("GET", "/PricebookEntry").json()
        [copied_item] = dst.request("GET", "/OpportunityLineItem").json()
        [copied_deal] = dst.request("GET", "/Opportunities").json()
        [copied_quote_line] = dst.request("GET", "/QuotationLineItem").json()
        [copied_quote] = dst.request("GET", "/Quotation").json()
        [copied_book] = dst.request("GET", "/Pricebook").json()
        assert copied_entry["PRICEBOOK_ID"] == copied_book["PRICEBOOK_ID"]
        assert copied_item["PRICEBOOK_ENTRY_ID"] == copied_entry["PRICEBOOK_ENTRY_ID"]
        assert copied_item["OPPORTUNITY_ID"] == copied_deal["OPPORTUNITY_ID"]
        assert copied_deal["PRICEBOOK_ID"] == copied_book["PRICEBOOK_ID"]
        assert copied_deal["OPPORTUNITY_VALUE"] == 12
        assert copied_quote_line["QUOTATION_ID"] == copied_quote["QUOTATION_ID"]
        assert copied_quote["TOTAL_PRICE"] == 12

        # A change and a deletion follow, under the target's owners too.
        changed = {"OPPORTUNITY_ITEM_ID": item["OPPORTUNITY_ITEM_ID"], "QUANTITY": 5}
        made(api.put(f"/Opportunities/{deal}/OpportunityLineItem", json=changed))
        gone = f"/Quotation/{quote}/QuotationLineItem/{quote_line['QUOTATION_ITEM_ID']}"
        assert api.delete(gone).status_code == 202
        again = run_cli(env, *args)
        assert again.returncode == 0, again.stdout + again.stderr
        [updated] = dst.request("GET", "/OpportunityLineItem").json()
        assert updated["QUANTITY"] == 5
        assert dst.request("GET", "/QuotationLineItem").json() == []

    out = tmp_path / "lines.jsonl"
    export = ["export", "--url", base_url, "--key", tenant.api_key, "--object"]
    exported = run_cli(env, *export, "OpportunityLineItem", "-o", str(out), "--quiet")
    assert exported.returncode == 0, exported.stderr
    [line_out] = [json.loads(text) for text in out.read_text().splitlines()]
    assert line_out["OPPORTUNITY_ITEM_ID"] == item["OPPORTUNITY_ITEM_ID"]


def _is_contact_create(method: str, path: str) -> bool:
    return method == "POST" and path.split("?")[0].rstrip("/").lower() == "/v3.1/contacts"


@pytest.mark.parametrize(
    "before", [False, True], ids=["killed-after-the-create", "killed-before-the-create"]
)
def test_sync_killed_mid_create_resumes_without_duplicates(
    base_url: str,
    tenant: Tenant,
    env: dict[str, str],
    second_server: tuple[str, str],
    tmp_path: Path,
    before: bool,
) -> None:
    """The sync is SIGKILLed from outside while its 4th contact create is in flight: either the
    target made the record and the answer never came back (the window where a journal could
    miss it), or the request never reached the target. Resumed, the sync converges and creates
    no duplicate."""
    _define_colour(tenant)
    target_url, target_key = second_server
    state = tmp_path / "state.json"
    journal = tmp_path / "state.json.journal"
    with Client(base_url, tenant.api_key) as crm:
        _fill(crm)
        for n in range(6):
            crm.contacts.create({"FIRST_NAME": f"Bulk{n}", "TAGS": [{"TAG_NAME": "bulk"}]})
    # The state names the target by URL, so the resumed run goes through the proxy too. One
    # create at a time, so that exactly one is in flight when the sync is killed.
    with HoldingProxy(target_url, _is_contact_create, nth=4, before=before) as proxy:
        args = [
            *_sync_args(base_url, tenant.api_key, proxy.url, target_key, state),
            "--concurrency",
            "1",
        ]
        process = subprocess.Popen(
            [*ROLODEX, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            assert proxy.held.wait(90), process.communicate(timeout=30)
            journalled = [json.loads(line) for line in journal.read_text().splitlines()]
            os.kill(process.pid, signal.SIGKILL)
            process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=30)
            proxy.release.set()
        assert process.returncode == -signal.SIGKILL
        # Three contacts created and mapped, and the fourth's intent: the state does not know
        # whether the fourth exists.
        assert [e.get("target") is not None for e in journalled if "intent" not in e] == [True] * 3
        assert journalled[-1]["intent"]["body"]["FIRST_NAME"] == "Bulk1"
        with Client(target_url, target_key) as dst:
            made = [c["FIRST_NAME"] for c in dst.contacts.iterate()]
        assert len(made) == (3 if before else 4)

        resumed = run_cli(env, *args)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert ("found and kept" in resumed.stdout) is not before
    with Client(base_url, tenant.api_key) as src, Client(target_url, target_key) as dst:
        assert _picture(dst) == _picture(src)
        names = [c["FIRST_NAME"] for c in dst.contacts.iterate()]
    assert len(names) == len(set(names)) == 8
    assert not journal.exists()
    assert not any(json.loads(state.read_text())["intents"].values())

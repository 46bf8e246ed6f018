"""Contract §9, §10: /{version}/openapi.json describes each API version exactly; a schema-driven
fuzzer agrees, over /v3.1, /v3.0 and /v2.2 alike.

Schemathesis generates requests from the document (valid and invalid ones) and checks that the
server never answers 5xx and never contradicts the document (status codes, content types,
response bodies and headers). Examples per operation are bounded to keep the suite quick.
"""

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode

from rolodex.api.app import create_app
from rolodex.api.openapi import version_document
from rolodex.api.versions import V2_2, V3_0, ApiVersion
from rolodex.config import Settings
from tests.conftest import Tenant


@pytest.fixture(scope="session")
def openapi_document(base_url: str) -> dict[str, object]:
    response = httpx.get(f"{base_url}/v3.1/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def v30_document(base_url: str) -> dict[str, Any]:
    response = httpx.get(f"{base_url}/v3.0/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def v22_document(base_url: str) -> dict[str, Any]:
    response = httpx.get(f"{base_url}/v2.2/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_the_document_is_valid_openapi(openapi_document: dict[str, object]) -> None:
    validate(openapi_document)


def test_the_older_documents_are_valid_openapi(
    v30_document: dict[str, Any], v22_document: dict[str, Any]
) -> None:
    validate(v30_document)
    validate(v22_document)


def _shape(path: str) -> str:
    """A path with its parameters blanked, in lower case: /contacts/{}/tags/{}."""
    return re.sub(r"\{[^}]*\}", "{}", path).lower()


def _operations(document: dict[str, Any], prefix: str) -> set[tuple[str, str]]:
    """(METHOD, path without `prefix`, parameters blanked, in lower case) of every operation."""
    return {
        (method.upper(), _shape(path.removeprefix(prefix)))
        for path, item in document["paths"].items()
        for method in item
    }


def _table(version: ApiVersion) -> set[tuple[str, str]]:
    return {(method, _shape(path)) for method, path in version.operations}


def test_the_v30_document_has_exactly_the_v30_operations(v30_document: dict[str, Any]) -> None:
    assert _operations(v30_document, "/v3.0") == _table(V3_0)
    assert all(path.startswith("/v3.0/") for path in v30_document["paths"])
    tag_delete = v30_document["paths"]["/v3.0/Contacts/{record_id}/Tags/{tag_name}"]["delete"]
    assert {"202", "404"} <= set(tag_delete["responses"])


def test_the_v22_document_has_exactly_the_v22_operations(v22_document: dict[str, Any]) -> None:
    # The graph routes serve a few more (GET of a sub-collection, ...): served, not listed.
    assert _operations(v22_document, "/v2.2") == _table(V2_2)
    assert len(V2_2.operations) == 284
    assert all(path.startswith("/v2.2/") for path in v22_document["paths"])
    teams = v22_document["paths"]["/v2.2/Teams/Search"]["get"]
    assert "team_name" in {parameter["name"] for parameter in teams["parameters"]}
    fields = v22_document["paths"]["/v2.2/CustomFields"]["get"]["responses"]["200"]
    schema = fields["content"]["application/json"]["schema"]
    assert schema["items"]["$ref"].endswith("/CustomFieldMetadataV22")


def test_each_version_documents_only_its_own_paths(
    openapi_document: dict[str, Any], v30_document: dict[str, Any], v22_document: dict[str, Any]
) -> None:
    assert all(path.startswith("/v3.1/") for path in openapi_document["paths"])
    for older in (v30_document, v22_document):
        assert older["components"]["schemas"].keys() == (
            openapi_document["components"]["schemas"].keys()
        )


def test_comment_files_and_dropbox_addresses_are_documented(
    openapi_document: dict[str, Any], v30_document: dict[str, Any]
) -> None:
    files = {("GET", "/comments/{}/fileattachments"), ("POST", "/comments/{}/fileattachments")}
    dropbox = {
        ("GET", f"/{c}/{{}}/linkemailaddress") for c in ("leads", "opportunities", "projects")
    }
    ours = _operations(openapi_document, "/v3.1")
    assert files | dropbox <= ours
    assert {op for op in ours if op[1].endswith("/linkemailaddress")} == dropbox
    assert {op for op in ours if op[1].startswith("/comments/{}/")} == files
    v30 = _operations(v30_document, "/v3.0")
    assert {(m, p.replace("/comments/", "/comment/")) for m, p in files} | dropbox <= v30
    address = openapi_document["paths"]["/v3.1/Leads/{record_id}/LinkEmailAddress"]["get"]
    schema = address["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/LinkEmailAddress")
    assert openapi_document["components"]["schemas"]["LinkEmailAddress"]["required"] == ["EMAIL"]


# The v3.1 operations of the types issue 15 added, as reference/insightly-v3.1-operations.tsv
# lists them (the official v3.1 swagger's, by way of sterner-stuff/insightly-php's README).
V31_ADDED = """
POST /Prospect
POST /Prospect/{id}/Follow
POST /Prospect/{id}/Tags
DELETE /Prospect/{id}
DELETE /Prospect/{id}/Follow
DELETE /Prospect/{id}/ImageField/{fieldName}
DELETE /Prospect/{id}/Tags
GET /Prospect
GET /Prospect/Search
GET /Prospect/SearchByTag
GET /Prospect/{id}
GET /Prospect/{id}/Follow
GET /Prospect/{id}/ImageField/{fieldName}
GET /Prospect/{id}/Tags
PUT /Prospect
PUT /Prospect/{id}/ImageField/{fieldName}/{fileName}
PUT /Prospect/{id}/Tags
POST /Ticket/{id}/Comments
POST /Ticket
POST /Ticket/{id}/Follow
POST /Ticket/{id}/Merge
POST /Ticket/{id}/Tags
DELETE /Ticket/{id}
DELETE /Ticket/{id}/Follow
DELETE /Ticket/{id}/ImageField/{fieldName}
DELETE /Ticket/{id}/Tags
GET /Ticket/{id}/Comments
GET /Ticket
GET /Ticket/Search
GET /Ticket/SearchByTag
GET /Ticket/{id}
GET /Ticket/{id}/Follow
GET /Ticket/{id}/ImageField/{fieldName}
GET /Ticket/{id}/Tags
PUT /Ticket
PUT /Ticket/{id}/ImageField/{fieldName}/{fileName}
PUT /Ticket/{id}/Tags
POST /KnowledgeArticleCategory
GET /KnowledgeArticleCategory
GET /KnowledgeArticleCategory/Search
GET /KnowledgeArticleCategory/{id}
PUT /KnowledgeArticleCategory
POST /KnowledgeArticleFolder
GET /KnowledgeArticleFolder
GET /KnowledgeArticleFolder/Search
GET /KnowledgeArticleFolder/{id}
PUT /KnowledgeArticleFolder
POST /KnowledgeArticle
POST /KnowledgeArticle/{id}/Follow
POST /KnowledgeArticle/{id}/Tags
POST /KnowledgeArticle/{id}/Translations/{language}
DELETE /KnowledgeArticle/{id}
DELETE /KnowledgeArticle/{id}/Follow
DELETE /KnowledgeArticle/{id}/ImageField/{fieldName}
DELETE /KnowledgeArticle/{id}/Tags
GET /KnowledgeArticle
GET /KnowledgeArticle/Search
GET /KnowledgeArticle/SearchByTag
GET /KnowledgeArticle/{id}
GET /KnowledgeArticle/{id}/Follow
GET /KnowledgeArticle/{id}/ImageField/{fieldName}
GET /KnowledgeArticle/{id}/Tags
GET /KnowledgeArticle/{id}/Translations/{language}
PUT /KnowledgeArticle
PUT /KnowledgeArticle/{id}/ImageField/{fieldName}/{fileName}
PUT /KnowledgeArticle/{id}/Tags
PUT /KnowledgeArticle/{id}/Translations/{language}
DELETE /OpportunityLineItem/{id}/ImageField/{fieldName}
GET /OpportunityLineItem
GET /OpportunityLineItem/Search
GET /OpportunityLineItem/{id}
GET /OpportunityLineItem/{id}/ImageField/{fieldName}
PUT /OpportunityLineItem/{id}/ImageField/{fieldName}/{fileName}
DELETE /PricebookEntry/{id}/ImageField/{fieldName}
GET /PricebookEntry
GET /PricebookEntry/Search
GET /PricebookEntry/{id}
GET /PricebookEntry/{id}/ImageField/{fieldName}
PUT /PricebookEntry/{id}/ImageField/{fieldName}/{fileName}
POST /Pricebook/{id}/PricebookEntry
POST /Pricebook
POST /Pricebook/{id}/Follow
DELETE /Pricebook/{id}/PricebookEntry/{childEntityId}
DELETE /Pricebook/{id}/Follow
GET /Pricebook/{id}/PricebookEntry
GET /Pricebook
GET /Pricebook/Search
GET /Pricebook/{id}
GET /Pricebook/{id}/Follow
PUT /Pricebook/{id}/PricebookEntry
PUT /Pricebook
POST /Product/{id}/PricebookEntry
POST /Product
POST /Product/{id}/Follow
DELETE /Product/{id}/PricebookEntry/{childEntityId}
DELETE /Product/{id}
DELETE /Product/{id}/Follow
DELETE /Product/{id}/Image
DELETE /Product/{id}/ImageField/{fieldName}
GET /Product/{id}/PricebookEntry
GET /Product
GET /Product/Search
GET /Product/{id}
GET /Product/{id}/Follow
GET /Product/{id}/Image
GET /Product/{id}/ImageField/{fieldName}
PUT /Product/{id}/PricebookEntry
PUT /Product
PUT /Product/{id}/Image/{filename}
PUT /Product/{id}/ImageField/{fieldName}/{fileName}
DELETE /QuotationLineItem/{id}/ImageField/{fieldName}
GET /QuotationLineItem
GET /QuotationLineItem/Search
GET /QuotationLineItem/{id}
GET /QuotationLineItem/{id}/ImageField/{fieldName}
PUT /QuotationLineItem/{id}/ImageField/{fieldName}/{fileName}
POST /Quotation/{id}/QuotationLineItem
POST /Quotation
POST /Quotation/{id}/Follow
DELETE /Quotation/{id}/QuotationDocument/{childEntityId}
DELETE /Quotation/{id}/QuotationLineItem/{childEntityId}
DELETE /Quotation/{id}
DELETE /Quotation/{id}/Follow
DELETE /Quotation/{id}/ImageField/{fieldName}
GET /Quotation/{id}/QuotationDocument
GET /Quotation/{id}/QuotationLineItem
GET /Quotation
GET /Quotation/Search
GET /Quotation/{id}
GET /Quotation/{id}/Follow
GET /Quotation/{id}/ImageField/{fieldName}
PUT /Quotation/{id}/QuotationLineItem
PUT /Quotation
PUT /Quotation/{id}/ImageField/{fieldName}/{fileName}
"""


def _added_operations() -> set[tuple[str, str]]:
    return {
        (method, _shape(path))
        for method, path in (line.split() for line in V31_ADDED.strip().splitlines())
    }


# The collections of records deleted under their owner (a line item under its opportunity).
OWNED_COLLECTIONS = {"pricebookentry", "opportunitylineitem", "quotationlineitem"}


def _extensions(collection: str, table: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """What the generic routes serve beyond the table, documented as extensions: the Deleted
    feed (with DELETE, or deleted under an owner), PUT with the id in the path (with PUT),
    v3.0's tag removal (with Tags)."""
    base = f"/{collection.lower()}"
    extra = set()
    if ("DELETE", f"{base}/{{}}") in table or collection.lower() in OWNED_COLLECTIONS:
        extra.add(("GET", f"{base}/deleted"))
    if ("PUT", base) in table:
        extra.add(("PUT", f"{base}/{{}}"))
    if ("DELETE", f"{base}/{{}}/tags") in table:
        extra.add(("DELETE", f"{base}/{{}}/tags/{{}}"))
    return extra


def test_the_v31_document_has_exactly_the_added_types_operations(
    openapi_document: dict[str, Any],
) -> None:
    ours = _operations(openapi_document, "/v3.1")
    table = _added_operations()
    for collection in sorted({path.split("/")[1] for _, path in table}):
        listed = {op for op in table if op[1].split("/")[1] == collection}
        documented = {op for op in ours if op[1].split("/")[1] == collection}
        assert documented == listed | _extensions(collection, listed), collection
    # Singular collections: no plural twin is documented.
    plurals = {"prospects", "tickets", "knowledgearticles"}
    plurals |= {"knowledgearticlecategories", "knowledgearticlefolders"}
    plurals |= {"products", "pricebooks", "pricebookentries", "quotations"}
    plurals |= {"opportunitylineitems", "quotationlineitems"}
    assert not {op for op in ours if op[1].split("/")[1] in plurals}


# The sales operations v3.1 added to Opportunities (reference/insightly-v3.1-operations.tsv).
V31_OPPORTUNITY_SALES = """
POST /Opportunities/{id}/OpportunityLineItem
DELETE /Opportunities/{id}/OpportunityLineItem/{childEntityId}
GET /Opportunities/{id}/OpportunityLineItem
PUT /Opportunities/{id}/OpportunityLineItem
PUT /Opportunities/{id}/Pricebook
"""


def test_the_opportunities_sales_operations_are_documented(
    openapi_document: dict[str, Any], v30_document: dict[str, Any]
) -> None:
    sales = {
        (method, _shape(path))
        for method, path in (line.split() for line in V31_OPPORTUNITY_SALES.strip().splitlines())
    }
    assert sales <= _operations(openapi_document, "/v3.1")
    assert not sales & _operations(v30_document, "/v3.0")
    pricebook = openapi_document["paths"]["/v3.1/Opportunities/{record_id}/Pricebook"]["put"]
    body = pricebook["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["PRICEBOOK_ID"]


def test_every_route_is_documented(openapi_document: dict[str, object]) -> None:
    paths = openapi_document["paths"]
    assert isinstance(paths, dict)
    for path in (
        "/v3.1/Contacts",
        "/v3.1/Contacts/Search",
        "/v3.1/Organisations/{record_id}/EmailDomains",
        "/v3.1/Notes/{record_id}",
        "/v3.1/Users/Me",
        "/v3.1/Instance",
    ):
        assert path in paths
    create = paths["/v3.1/Contacts"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ContactCreate"
    )
    assert {"201", "400", "401"} <= set(create["responses"])


# The documents do not depend on the database, so they can be read at collection time.
APP = create_app(Settings(database_url="sqlite://"))
DOCUMENT = APP.openapi()
V30_DOCUMENT = version_document(APP, V3_0.prefix)
V22_DOCUMENT = version_document(APP, V2_2.prefix)
# The harness sends a valid key itself, so generating (or omitting) credentials is pointless.
# Positive-data acceptance is off: a request can match the document and still be refused for
# what only the database knows (a link to a missing record, an OWNER_USER_ID of no user).
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"with-security-parameters": False},
        "checks": {
            "positive_data_acceptance": {"enabled": False},
            # Also a refusal: 413, for a body past the size limit.
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
            },
        },
    }
)
OPERATIONS = {
    result.ok().label: result.ok()
    for document in (DOCUMENT, V30_DOCUMENT, V22_DOCUMENT)
    for result in schemathesis.openapi.from_dict(document, config=CONFIG).get_all_operations()
}
# Invalid requests can only be made of operations that take some input.
CASES = [
    (label, mode)
    for label, operation in sorted(OPERATIONS.items())
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE
    or any(True for _ in operation.iter_parameters())
    or operation.body
]


def _examples(label: str) -> int:
    """Examples per operation: fewer for /v3.0 and /v2.2, whose operations are mostly /v3.1's
    handlers re-mounted (what differs - paths, shapes, documents - shows in a few)."""
    return 12 if " /v3.1/" in label else 4


@pytest.fixture(scope="session")
def fuzz_tenant(make_session_tenant: Callable[[], Tenant]) -> Tenant:
    """One instance for the whole fuzz run, with a few records for generated ids to find."""
    tenant = make_session_tenant()
    for n in range(3):
        tenant.client.post("/Contacts", json={"FIRST_NAME": f"Fuzz {n}"})
        tenant.client.post("/Organisations", json={"ORGANISATION_NAME": f"Fuzz {n}"})
    return tenant


@pytest.mark.parametrize(
    ("label", "mode"), CASES, ids=[f"{label}-{mode.value}" for label, mode in CASES]
)
def test_fuzzed_requests_never_contradict_the_document(
    label: str, mode: GenerationMode, base_url: str, fuzz_tenant: Tenant
) -> None:
    operation = OPERATIONS[label]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=_examples(label),
        deadline=None,
        derandomize=True,  # the same examples every run: CI results are reproducible
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    def check(case: schemathesis.Case) -> None:
        # XML carries no types ("false" is as much text as a boolean), so invalid bodies are
        # sent as JSON only; XML bodies have their own tests (test_xml.py).
        assume(mode is GenerationMode.POSITIVE or case.media_type != "application/xml")
        case.call_and_validate(base_url=base_url, auth=(fuzz_tenant.api_key, ""))

    check()

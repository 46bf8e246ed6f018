"""Stateful fuzzing: schemathesis chains calls (create, then read, change, link, delete what was
created) along links it infers from the OpenAPI document, and checks every answer against it.

tests/test_openapi.py fuzzes each operation alone with the same schema and checks; this runs
sequences, so generated ids name records that exist and the deeper paths are reached.
"""

import copy
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from rolodex.domain.registry import RECORD_TYPES
from tests.conftest import Tenant
from tests.reliability.harness import scaled
from tests.test_openapi import DOCUMENT


def with_links(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of `document` whose creates link to every operation on the created record.

    Schemathesis can infer links itself, but cannot tell that CONTACT_ID fills {record_id}.
    """
    document = copy.deepcopy(document)
    paths = document["paths"]
    for rt in RECORD_TYPES:
        create = paths.get(f"/v3.1/{rt.collection}", {}).get("post")
        if create is None:
            continue
        prefix = f"/v3.1/{rt.collection}/{{record_id}}"
        create["responses"]["201"]["links"] = {
            operation["operationId"]: {
                "operationId": operation["operationId"],
                "parameters": {"record_id": f"$response.body#/{rt.id_field}"},
            }
            for path, operations in paths.items()
            if path == prefix or path.startswith(f"{prefix}/")
            for method, operation in operations.items()
            if method in ("get", "put", "post", "delete")
            and {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            == {"record_id"}
        }
    return document


# test_openapi.py's settings, but valid requests only: an invalid step ends a sequence early,
# and test_openapi.py already sends invalid requests to every operation.
STATEFUL_CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"with-security-parameters": False, "mode": "positive"},
        # Valid requests only: nothing here is meant to be refused (a file upload built from a
        # link was flagged as "invalid data accepted" although generated as a valid case).
        "checks": {
            "positive_data_acceptance": {"enabled": False},
            "negative_data_rejection": {"enabled": False},
        },
        # Only the links below. Links inferred from list answers (GET /LeadStatuses -> DELETE
        # ?id=) make the draws depend on what the server holds, which hypothesis rejects.
        "phases": {"stateful": {"inference": {"algorithms": []}}},
    }
)
# Fields naming other records: random ids name none, so a body with one is (rightly) refused.
REFERENCES = {
    spec.name for rt in RECORD_TYPES for spec in rt.fields if spec.references is not None
} | {"LINKS", "CUSTOMFIELDS"}


@pytest.fixture(scope="module")
def state_machine() -> type[Any]:
    """The workflow schemathesis builds from the document's links (slow: built once)."""
    schema = schemathesis.openapi.from_dict(with_links(DOCUMENT), config=STATEFUL_CONFIG)
    return schema.as_state_machine()  # type: ignore[no-any-return]


def test_call_sequences_never_contradict_the_document(
    state_machine: type[Any], base_url: str, make_session_tenant: Callable[[], Tenant]
) -> None:
    tenant = make_session_tenant()
    for n in range(3):  # something for the first calls of a sequence to find
        tenant.client.post("/Contacts", json={"FIRST_NAME": f"Stateful {n}"})
        tenant.client.post("/Organisations", json={"ORGANISATION_NAME": f"Stateful {n}"})

    # Successful calls whose path names a record: proof that sequences reach real records.
    reached: set[str] = set()

    class Workflow(state_machine):  # type: ignore[valid-type, misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": base_url, "auth": (tenant.api_key, "")}

        def before_call(self, case: schemathesis.Case) -> None:
            if isinstance(case.body, dict):
                case.body = {k: v for k, v in case.body.items() if k.upper() not in REFERENCES}

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            if case.path_parameters and 200 <= response.status_code < 300:
                reached.add(f"{case.method} {case.operation.path}")

    Workflow.run(
        settings=settings(
            max_examples=scaled(25),
            stateful_step_count=6,
            deadline=None,
            derandomize=True,  # the same sequences every run: CI results are reproducible
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate],
        )
    )
    assert len(reached) >= 5, reached  # sequences went on from creates to what they made

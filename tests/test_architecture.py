"""The layout rules of DESIGN.md, checked on the source text."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "rolodex"


def imported_modules(package: str) -> dict[str, set[str]]:
    """Each module file of `package` with the top-level names it imports."""
    found = {}
    for path in (SRC / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(SRC))] = names
    return found


# "rolodex.cli." with its dot: "rolodex.client" itself is allowed.
CLIENT_FORBIDDEN = (
    *("fastapi", "starlette", "sqlalchemy", "pydantic", "orjson", "rolodex.api"),
    *("rolodex.storage", "rolodex.services", "rolodex.domain", "rolodex.wire"),
    *("rolodex.config", "rolodex.errors", "rolodex.sync", "rolodex.cli."),
)


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("domain", ("fastapi", "starlette", "sqlalchemy", "rolodex.api", "rolodex.storage")),
        ("wire", ("fastapi", "starlette", "sqlalchemy", "rolodex.api", "rolodex.storage")),
        ("services", ("fastapi", "starlette", "rolodex.api")),
        ("storage", ("fastapi", "starlette", "rolodex.api", "rolodex.services")),
        # The SDK installs without the server: httpx and the standard library only.
        ("client", CLIENT_FORBIDDEN),
    ],
)
def test_layers_import_only_what_they_may(package: str, forbidden: tuple[str, ...]) -> None:
    offences = [
        f"{module} imports {name}"
        for module, names in imported_modules(package).items()
        for name in names
        if name.startswith(forbidden)
    ]
    assert offences == []


def test_only_the_unit_of_work_commits() -> None:
    committing = sorted(
        str(path.relative_to(SRC)) for path in SRC.rglob("*.py") if ".commit(" in path.read_text()
    )
    assert committing == ["storage/engine.py"]

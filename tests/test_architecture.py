"""The layout rules of DESIGN.md, checked on the source text.

The layers, one way only: wire/domain -> storage -> services -> web/sync -> api/cli. A module
imports from its own package and from the packages to its left; config.py, errors.py and the
package itself (rolodex/__init__.py) are foundation modules that every layer may import. The SDK
(client/) stands apart: it imports httpx, the standard library and itself, and only the tools
that talk to a server over HTTP (sync/, cli/) import it.

Every import counts: inside functions and under TYPE_CHECKING too (ast.walk sees them all).
"""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "rolodex"

# Whether the package of a row may import the package of a column: Y yes, - no, . itself.
# domain and wire share the bottom layer, but the rules do not depend on the wire format.
# Packages of one layer (web and sync, api and cli) do not import each other, and api/ takes
# from web/ only what API_TAKES_FROM_WEB lists.
MATRIX = """
            rolodex config errors domain wire storage services web sync api cli client
rolodex        .       -      -      -     -     -       -      -    -   -   -    -
config         -       .      -      -     -     -       -      -    -   -   -    -
errors         -       -      .      -     -     -       -      -    -   -   -    -
domain         Y       Y      Y      .     -     -       -      -    -   -   -    -
wire           Y       Y      Y      Y     .     -       -      -    -   -   -    -
storage        Y       Y      Y      Y     Y     .       -      -    -   -   -    -
services       Y       Y      Y      Y     Y     Y       .      -    -   -   -    -
web            Y       Y      Y      Y     Y     Y       Y      .    -   -   -    -
sync           Y       Y      Y      Y     Y     Y       Y      -    .   -   -    Y
api            Y       Y      Y      Y     Y     Y       Y      Y    -   .   -    -
cli            Y       Y      Y      Y     Y     Y       Y      -    Y   -   .    Y
client         -       -      -      -     -     -       -      -    -   -   -    .
"""


def parse_matrix(text: str) -> dict[tuple[str, str], bool]:
    """(importer, imported) -> allowed, for every ordered pair of packages of the grid."""
    header, *rows = [line.split() for line in text.strip().splitlines()]
    assert [row[0] for row in rows] == header, "the rows and the columns name the same packages"
    allowed = {}
    for name, *cells in rows:
        assert len(cells) == len(header), f"the row of {name} has a cell for every package"
        for column, cell in zip(header, cells, strict=True):
            assert cell in ({"."} if column == name else {"Y", "-"}), (name, column, cell)
            allowed[(name, column)] = cell != "-"
    return allowed


ALLOWED = parse_matrix(MATRIX)
# What api/ may take from web/: the app mounts the pages (and sends errors of web paths as
# pages); request bodies are read by one module for the API and the pages alike.
API_TAKES_FROM_WEB = {
    ("rolodex.api.app", "rolodex.web.routes"),
    ("rolodex.api.app", "rolodex.web.common"),
    ("rolodex.api.common", "rolodex.web.bodies"),
    ("rolodex.api.files", "rolodex.web.bodies"),
}
PACKAGES = sorted({importer for importer, _ in ALLOWED})


def module_files(root: Path) -> dict[str, Path]:
    """Every module under `root` (a package directory) by dotted name: rolodex.api.records."""
    found = {}
    for path in root.rglob("*.py"):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported_names(module: str, path: Path, modules: set[str]) -> Iterator[str]:
    """What `module` imports, each import as the module it loads: `from a import b` is a.b
    when that is a module, else a."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield submodule if submodule in modules else base


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same top-level package that it imports."""
    files = module_files(root)
    names = set(files)
    return {
        module: {
            name
            for name in imported_names(module, path, names)
            if name == root.name or name.startswith(root.name + ".")
        }
        for module, path in files.items()
    }


def package_of(module: str) -> str:
    """The package of the matrix a module belongs to: rolodex.api.records is api."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with a cycle (Tarjan): each a list of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1 or module in graph.get(module, ()):
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


GRAPH = import_graph(SRC)


def test_the_matrix_names_every_package() -> None:
    assert sorted({package_of(module) for module in GRAPH}) == PACKAGES


def test_every_import_is_one_the_matrix_allows() -> None:
    offences = sorted(
        f"{module} imports {name} ({package_of(module)} -> {package_of(name)})"
        for module, names in GRAPH.items()
        for name in names
        if not ALLOWED.get((package_of(module), package_of(name)), False)
    )
    assert offences == []


def test_the_api_takes_from_web_only_the_pages_it_mounts_and_the_body_readers() -> None:
    taken = sorted(
        f"{module} imports {name}"
        for module, names in GRAPH.items()
        if package_of(module) == "api"
        for name in names
        if package_of(name) == "web" and (module, name) not in API_TAKES_FROM_WEB
    )
    assert taken == []


def test_no_module_imports_itself_back() -> None:
    assert cycles(GRAPH) == []


def test_a_cycle_through_a_function_local_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from .. import c\n")
    (package / "c.py").write_text("import typing\nif typing.TYPE_CHECKING:\n    import pkg.a\n")
    (package / "d.py").write_text("from pkg import a\n")
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.c", "pkg.sub.b"]]


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
def test_packages_import_no_forbidden_library(package: str, forbidden: tuple[str, ...]) -> None:
    offences = [
        f"{module} imports {name}"
        for module, names in imported_modules(package).items()
        for name in names
        if name.startswith(forbidden)
    ]
    assert offences == []


# The pages go through services/: from storage/ they take the unit of work (the transaction
# owner), the values a service call takes (a page of a list, a filter) and the file store's
# streaming; never a repository, the tables or SQL. From SQLAlchemy only the Connection type.
WEB_TAKES_FROM_STORAGE = {
    ("rolodex.storage.engine", "unit_of_work"),
    ("rolodex.storage.files", "CHUNK_BYTES"),
    ("rolodex.storage.files", "FileStore"),
    ("rolodex.storage.files", "too_large"),
    ("rolodex.storage.repository", "FieldFilter"),
    ("rolodex.storage.repository", "Page"),
    ("sqlalchemy", "Connection"),
}


def names_taken(path: Path, prefixes: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(module, name) of each import in a file of a module that starts with one of `prefixes`;
    a plain `import module` is (module, "*")."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(prefixes):
                    yield alias.name, "*"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(prefixes):
            yield from ((node.module or "", alias.name) for alias in node.names)


def test_the_web_takes_from_storage_only_the_unit_of_work_and_service_arguments() -> None:
    offences = sorted(
        f"{path.relative_to(SRC)} imports {module}.{name}"
        for path in (SRC / "web").rglob("*.py")
        for module, name in names_taken(path, ("rolodex.storage", "sqlalchemy", "rolodex.api"))
        if (module, name) not in WEB_TAKES_FROM_STORAGE
    )
    assert offences == []


def test_an_import_of_a_repository_or_the_tables_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        "from rolodex.storage.repository import Page, Repository\n"
        "from rolodex.storage import tables\n"
        "def f():\n    import rolodex.api.app\n"
    )
    found = sorted(
        taken
        for taken in names_taken(page, ("rolodex.storage", "rolodex.api"))
        if taken not in WEB_TAKES_FROM_STORAGE
    )
    assert found == [
        ("rolodex.api.app", "*"),
        ("rolodex.storage", "tables"),
        ("rolodex.storage.repository", "Repository"),
    ]


def writes_caught(path: Path) -> list[int]:
    """The lines of each `try` whose body opens a write transaction (unit_of_work(...,
    write=True)): a form's change with its own try / re-render, not web.common.form_action."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Try) or not node.handlers:
            continue
        for inner in (n for statement in node.body for n in ast.walk(statement)):
            if (
                isinstance(inner, ast.Call)
                and getattr(inner.func, "id", None) == "unit_of_work"
                and any(k.arg == "write" for k in inner.keywords)
            ):
                found.append(node.lineno)
                break
    return found


def test_the_pages_change_records_through_the_one_form_action_helper(tmp_path: Path) -> None:
    offences = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted((SRC / "web").rglob("*.py"))
        if path.name != "common.py"
        for line in writes_caught(path)
    ]
    assert offences == []
    copy = tmp_path / "page.py"
    copy.write_text(
        "def post(request):\n"
        "    try:\n"
        "        with unit_of_work(engine, write=True) as connection:\n"
        "            change(connection)\n"
        "    except BadRequest:\n"
        "        return again()\n"
    )
    assert writes_caught(copy) == [2]


def test_the_client_imports_httpx_the_standard_library_and_itself() -> None:
    offences = [
        f"{module} imports {name}"
        for module, names in imported_modules("client").items()
        for name in names
        if not (
            name.split(".")[0] in (*sys.stdlib_module_names, "httpx")
            or name == "rolodex.client"
            or name.startswith("rolodex.client.")
        )
    ]
    assert offences == []


def test_only_the_unit_of_work_commits() -> None:
    committing = sorted(
        str(path.relative_to(SRC)) for path in SRC.rglob("*.py") if ".commit(" in path.read_text()
    )
    assert committing == ["storage/engine.py"]

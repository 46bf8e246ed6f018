"""The schema built by the migrations is exactly the one the code declares."""

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from rolodex.storage.tables import metadata


def test_migrations_match_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (lower(...)); they are checked below instead.
        warnings.simplefilter("ignore")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_every_declared_index_exists(engine: Engine) -> None:
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    with engine.connect() as connection:
        present = set(connection.execute(text(query)).scalars())
    declared = {index.name for table in metadata.sorted_tables for index in table.indexes}
    assert declared - present == set()

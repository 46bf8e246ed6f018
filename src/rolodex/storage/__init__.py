"""Storage: engine and unit of work, tables, repositories, migrations."""

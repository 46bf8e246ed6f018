"""Use cases. Services flush through repositories and never commit: the unit of work does."""

"""Pure rules: the registry of record types and what each one has. No web or SQL here."""

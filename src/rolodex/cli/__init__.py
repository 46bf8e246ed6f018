"""The `rolodex` command."""

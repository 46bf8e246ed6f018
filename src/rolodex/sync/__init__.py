"""Import, export and sync tools built on the SDK (rolodex.client); the CLI only calls them."""

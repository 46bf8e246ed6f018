"""Routes that match paths case-insensitively, as Insightly's (ASP.NET) routing does."""

import re
from collections.abc import Iterable

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Route


class CaseInsensitiveRoute(APIRoute):
    """An APIRoute whose path matches in any letter case; parameter values keep their case."""

    def __init__(self, path: str, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(path, *args, **kwargs)
        self.path_regex = re.compile(self.path_regex.pattern, re.IGNORECASE)


def allowed_methods(routes: Iterable[BaseRoute], path: str) -> list[str]:
    """Every method some route accepts at `path` (for the Allow header of a 405)."""
    methods: set[str] = set()
    for route in routes:
        if isinstance(route, Route) and route.methods and route.path_regex.match(path):
            methods |= route.methods
    return sorted(methods)

"""The distribution's metadata: what `pip install` reads, free of deprecated forms."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version


def test_the_license_is_an_spdx_string_for_a_setuptools_that_reads_it(
    project_root: Path,
) -> None:
    """A license table makes setuptools print a deprecation box on every install."""
    meta = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["license"] == "MIT"
    (setuptools,) = [
        Requirement(r) for r in meta["build-system"]["requires"] if r.startswith("setuptools")
    ]
    assert setuptools.specifier.contains(Version("77.0"))
    assert not setuptools.specifier.contains(Version("76.9"))

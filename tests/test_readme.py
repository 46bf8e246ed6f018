"""The README's shell examples, run as written against a real server on a fresh database.

Every ```sh block of README.md runs, in order, as one bash script (so a variable set in one
block is there in the next), in a directory of its own with a fresh `rolodex.db`, against
`rolodex serve` on that database. A block is left out only when an HTML comment right above it
says `<!-- not run by tests/test_readme.py: why -->`. The two things a reader changes are
changed here too: the key `make serve` printed replaces `paste-the-key-here`, and the server's
port replaces 8000. curl fails on any HTTP error status (a curlrc with `fail-with-body`), and an
answer shown in the README (a comment starting with `# {` or `# [` right under a command) must
match what the command printed: every key shown, with the value shown.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.servers import cli_env, served

README = Path(__file__).resolve().parent.parent / "README.md"
SKIP = "<!-- not run by tests/test_readme.py:"
BLOCK = re.compile(r"(?P<before>[^\n]*)\n```sh\n(?P<body>.*?)\n```", re.DOTALL)


@dataclass
class Command:
    text: str
    shown: Any = None  # the answer the README shows for it, if any


def sh_blocks(readme: str) -> list[str]:
    """The ```sh blocks to run, in order."""
    return [m["body"] for m in BLOCK.finditer(readme) if not m["before"].startswith(SKIP)]


def commands(block: str) -> list[Command]:
    """A block's commands (a command ends where its quotes close and no `\\` continues it),
    each with the answer shown under it."""
    found: list[Command] = []
    pending: list[str] = []
    shown: list[str] = []
    for line in block.splitlines():
        if not pending and line.lstrip().startswith("#"):
            comment = line.lstrip()[1:].strip()
            if shown or (found and comment[:1] in ("{", "[") and found[-1].shown is None):
                shown.append(comment)
                try:
                    found[-1].shown = json.loads(" ".join(shown))
                    shown = []
                except ValueError:
                    pass
            continue
        if not line.strip() and not pending:
            continue
        pending.append(line)
        text = "\n".join(pending)
        if text.endswith("\\") or not _complete(text):
            continue
        found.append(Command(text))
        pending = []
    assert not pending and not shown, f"an unfinished command or answer: {pending or shown}"
    return found


def _complete(text: str) -> bool:
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return False
    return True


def matches(shown: Any, got: Any) -> bool:
    """Whether `got` has everything `shown` shows (objects may have more keys)."""
    if isinstance(shown, dict):
        return isinstance(got, dict) and all(
            k in got and matches(v, got[k]) for k, v in shown.items()
        )
    if isinstance(shown, list):
        return (
            isinstance(got, list)
            and len(got) == len(shown)
            and all(matches(s, g) for s, g in zip(shown, got, strict=True))
        )
    return bool(shown == got)


def test_blocks_split_into_commands_with_their_answers() -> None:
    block = (
        "# a comment\nA=1\ncurl -d '{\"a\":\n 1}' \\\n  http://x  # trailing\n"
        '# {"a": 1,\n#  "b": [2]}\necho done\n'
    )
    found = commands(block)
    assert [c.text.splitlines()[0] for c in found] == ["A=1", 'curl -d \'{"a":', "echo done"]
    assert found[1].shown == {"a": 1, "b": [2]}
    assert matches({"a": 1}, {"a": 1, "c": 3})
    assert not matches([{"a": 1}], [{"a": 2}])


def test_every_shell_example_works_on_a_fresh_install(tmp_path: Path) -> None:
    readme = README.read_text(encoding="utf-8")
    port = free_port()
    found = [c for block in sh_blocks(readme) for c in commands(block)]
    assert len(found) > 20  # the walkthroughs are there
    script = ["set -euo pipefail"]
    for index, command in enumerate(found):
        text = command.text.replace("paste-the-key-here", "$FIRST_KEY")
        script += ["{", text, f"}} > out/{index} 2> err/{index}"]
    venv_bin = Path(sys.executable).parent
    (tmp_path / ".venv").symlink_to(venv_bin.parent, target_is_directory=True)
    (tmp_path / "out").mkdir()
    (tmp_path / "err").mkdir()
    (tmp_path / ".curlrc").write_text("fail-with-body\nsilent\nshow-error\n", encoding="utf-8")
    env = cli_env("sqlite:///rolodex.db")
    boot = subprocess.run(
        [sys.executable, "-m", "rolodex.cli", "bootstrap"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    env.update(
        FIRST_KEY=boot.stdout.strip().splitlines()[-1],
        PATH=f"{venv_bin}{os.pathsep}{env['PATH']}",
        CURL_HOME=str(tmp_path),
    )
    source = "\n".join(script).replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    with served(dict(env, ROLODEX_DATABASE_URL=f"sqlite:///{tmp_path / 'rolodex.db'}"), port):
        done = subprocess.run(
            ["bash", "-c", source],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    ran = len(list((tmp_path / "out").iterdir()))
    if done.returncode != 0:
        failed = found[ran - 1]
        errors = (tmp_path / "err" / str(ran - 1)).read_text(encoding="utf-8")
        printed = (tmp_path / "out" / str(ran - 1)).read_text(encoding="utf-8")
        pytest.fail(f"README command failed:\n{failed.text}\n{printed}\n{errors}")
    for index, command in enumerate(found):
        if command.shown is None:
            continue
        printed = (tmp_path / "out" / str(index)).read_text(encoding="utf-8")
        shown = json.loads(json.dumps(command.shown).replace("127.0.0.1:8000", f"127.0.0.1:{port}"))
        assert matches(shown, json.loads(printed)), f"{command.text}\nprinted: {printed}"

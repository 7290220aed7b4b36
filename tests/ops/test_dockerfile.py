"""The Dockerfile's commands are the project's own: it copies every package pyproject.toml ships,
installs the project with pip as the Makefile does, and starts `kembar serve` with options that
parse (the same command the README and the e2e tests start)."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from tests.cli.conftest import Run, kembar  # noqa: F401  (fixture)
from tests.cli.test_commands import COMMANDS
from tests.ops.parsing import UsageError, parse

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def exec_form(arguments: str) -> list[str]:
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)


def test_the_image_copies_every_package_and_what_pip_needs() -> None:
    copied = set()
    for word, arguments in instructions():
        if word == "COPY":
            *sources, _ = shlex.split(arguments)
            copied |= {source.rstrip("/") for source in sources}
    shipped = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {name.rstrip("*") for name in shipped}
    assert packages <= copied, f"not copied into the image: {packages - copied}"
    assert {"pyproject.toml", PYPROJECT["project"]["readme"]} <= copied


def test_the_image_installs_the_project_as_the_makefile_does() -> None:
    runs = " && ".join(arguments for word, arguments in instructions() if word == "RUN")
    assert re.search(r"\bpip install \.(\s|$)", runs), runs  # the project, from its pyproject
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"pip install -q -e '\.\[test\]'", makefile)  # same project, plus tests
    assert PYPROJECT["project"]["scripts"]["kembar"] == "cli.main:app"  # what `kembar` runs


def test_the_image_starts_kembar_serve_with_options_that_parse(kembar: Run) -> None:  # noqa: F811
    [cmd] = [exec_form(arguments) for word, arguments in instructions() if word == "CMD"]
    assert cmd[0] == "kembar" and cmd[1] in COMMANDS, cmd
    parse(cmd)  # options and their values, as the image would run them
    result = kembar(*cmd[1:], "--help")
    assert result.returncode == 0, result.stderr
    assert f"Usage: kembar {cmd[1]}" in result.stdout
    readme = (ROOT / "README.md").read_text()
    for command in ("kembar serve", "kembar migrate", "kembar relay", "kembar worker"):
        assert command in readme  # the operations section tells admins the same commands


@pytest.mark.parametrize(
    "argv", [["kembar", "serve", "--port", "abc"], ["kembar", "serve", "--no-such-option"]]
)
def test_parse_refuses_a_bad_value_or_an_unknown_option(argv: list[str]) -> None:
    with pytest.raises(UsageError):
        parse(argv)


"""Run the real `kembar` console script in a subprocess, with only the KEMBAR_* values a test
gives (the caller's are dropped), in an empty directory (no .env, no stray SQLite file)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

KEMBAR = str(Path(sys.executable).parent / "kembar")

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def kembar(tmp_path: Path) -> Run:
    """``kembar(*args, timeout=60, **KEMBAR_values)``: the finished process (text output)."""

    def run(*args: str, timeout: float = 60, **values: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEMBAR_")}
        env |= {f"KEMBAR_{key.upper()}": value for key, value in values.items()}
        env["COLUMNS"] = "200"  # rich and typer wrap at 80 columns without a terminal
        return subprocess.run(
            [KEMBAR, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run

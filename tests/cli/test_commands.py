"""Every `kembar` command has --help; failures exit with the right code and one line, never a
traceback: 2 for bad usage or bad settings (production without its required values), 1 for a
well-formed request that failed (an unreachable database, an unknown token)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.main import app
from tests.cli.conftest import Run
from tests.e2e.processes import free_port

GROUP: Any = typer.main.get_command(app)  # typer's group (its own click)
COMMANDS = sorted(GROUP.commands)
LONG_RUNNING = ("serve", "worker", "relay", "migrate")


def test_the_walk_sees_every_command_the_issue_names() -> None:
    assert {
        "serve", "worker", "relay", "migrate", "import-cities", "import-pairs", "seed-demo",
        "create-token", "revoke-token", "dead-letters", "replay", "backlog", "check",
        "export-schema",
    } <= set(COMMANDS)  # fmt: skip


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"Usage: kembar {name}" in result.output
    summary = (GROUP.commands[name].help or "").split("\n")[0].strip()
    assert summary, f"`kembar {name}` has no help text"
    assert summary[:40] in " ".join(result.output.split())


def test_the_console_script_lists_every_command(kembar: Run) -> None:
    result = kembar("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


def test_an_unknown_command_is_bad_usage(kembar: Run) -> None:
    result = kembar("no-such-command")
    assert result.returncode == 2
    assert "No such command" in result.stderr


@pytest.mark.parametrize("command", LONG_RUNNING)
def test_production_without_required_values_stops_with_one_line(kembar: Run, command: str) -> None:
    result = kembar(command, mode="production")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("kembar: bad settings: production mode needs")
    assert "KEMBAR_DATABASE_URL" in line and "KEMBAR_SECRET_KEY" in line


@pytest.mark.parametrize("command", LONG_RUNNING)
def test_production_names_only_what_is_missing(kembar: Run, command: str) -> None:
    result = kembar(command, mode="production", database_url="postgres://kembar@db:5432/kembar")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "KEMBAR_SECRET_KEY" in line and "KEMBAR_DATABASE_URL" not in line


def test_a_malformed_value_is_named(kembar: Run) -> None:
    result = kembar("serve", port="eighty")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("kembar: bad settings: KEMBAR_PORT: ")


@pytest.mark.parametrize("command", LONG_RUNNING)
def test_help_needs_no_settings(kembar: Run, command: str) -> None:
    result = kembar(command, "--help", mode="production")
    assert result.returncode == 0
    assert f"Usage: kembar {command}" in result.stdout


def test_importing_a_missing_file_is_bad_usage(kembar: Run, tmp_path: Path) -> None:
    result = kembar("import-pairs", str(tmp_path / "missing.csv"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "content, says",
    [
        (b"name,country\nBandung,ID\n", "not a known twinning list"),
        (b"\xff\xfe\x00garbage", "codec can't decode"),
    ],
)
def test_importing_a_file_that_is_not_a_twinning_list_is_bad_usage(
    kembar: Run, db: str, tmp_path: Path, content: bytes, says: str
) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_bytes(content)
    result = kembar("import-pairs", str(wrong), database_url=db)
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("kembar: ") and str(wrong) in line and says in line


def test_revoking_an_unknown_token_fails(kembar: Run, db: str) -> None:
    result = kembar("revoke-token", "kmb_nothing", database_url=db)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip() == "kembar: no live token matches"


def test_an_unknown_role_is_bad_usage(kembar: Run) -> None:
    result = kembar("create-token", "--email", "a@kembar.test", "--role", "emperor")
    assert result.returncode == 2
    assert "--role" in result.stderr


@pytest.mark.parametrize(
    "url, says",
    [
        ("postgres://postgres@127.0.0.1:{port}/kembar", "Connect call failed"),
        ("mysterydb://somewhere/kembar", "Unknown DB scheme"),
    ],
)
def test_a_bad_database_url_fails_with_one_line(kembar: Run, url: str, says: str) -> None:
    for command in ("backlog", "seed-demo", "migrate"):
        result = kembar(command, database_url=url.format(port=free_port()))
        assert result.returncode == 1, result.stdout + result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("kembar: cannot use the database") and says in line


@pytest.mark.parametrize("command", ["worker", "relay"])
def test_worker_and_relay_need_redis(kembar: Run, command: str) -> None:
    result = kembar(command)
    assert result.returncode == 2
    assert "KEMBAR_REDIS_URL is not set" in result.stdout


def test_replay_needs_an_id_and_queue_or_all(kembar: Run) -> None:
    result = kembar("replay")
    assert result.returncode == 2


@pytest.mark.redis
def test_replaying_an_unknown_dead_letter_fails(kembar: Run, private_redis: Any) -> None:
    result = kembar("replay", "1-0", "--queue", "evaluations", redis_url=private_redis.url)
    assert result.returncode == 1
    assert "no such dead letter" in result.stdout


def test_progress_bars_only_when_asked_or_on_a_terminal(kembar: Run, db: str) -> None:
    quiet = kembar("import-cities", "--country", "LU", database_url=db)
    assert quiet.returncode == 0, quiet.stderr
    assert "━" not in quiet.stderr + quiet.stdout  # stderr is a pipe here: no bar
    shown = kembar("import-cities", "--country", "LU", "--progress", database_url=db)
    assert shown.returncode == 0, shown.stderr
    assert "━" in shown.stderr and "cities" in shown.stderr
    assert "━" not in shown.stdout  # the summary on stdout stays clean for scripts
    assert "already present" in shown.stdout


@pytest.mark.parametrize(
    "args", [("dead-letters",), ("replay", "--all"), ("backlog",), ("check",)], ids=" ".join
)
def test_every_command_reading_settings_refuses_bad_ones_in_one_line(
    kembar: Run, args: tuple[str, ...]
) -> None:
    result = kembar(*args, mode="production")
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("kembar: bad settings:")


@pytest.mark.parametrize("args", [("dead-letters",), ("replay", "--all")], ids=" ".join)
def test_an_unreachable_redis_fails_with_one_line(kembar: Run, args: tuple[str, ...]) -> None:
    result = kembar(*args, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("kembar: cannot reach Redis:")


def dead_letters(redis_url: str, count: int) -> None:
    """``count`` messages that failed for good, left in Redis by a real Dramatiq worker."""
    import time

    import dramatiq
    import redis
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.middleware import Retries

    from workers.broker import DeadLetterErrors

    broker = RedisBroker(url=redis_url, middleware=[Retries(max_retries=0), DeadLetterErrors()])

    @dramatiq.actor(broker=broker, actor_name="test.fails", queue_name="cli-dead", max_retries=0)
    def fails(envelope: dict[str, Any]) -> None:
        raise RuntimeError("no")

    for i in range(count):
        fails.send({"event_id": f"e-{i}", "type": "partnership.proposed"})
    worker = dramatiq.Worker(broker, worker_timeout=50, worker_threads=1)
    worker.start()
    try:
        raw = redis.Redis.from_url(redis_url)
        deadline = time.monotonic() + 20
        while raw.zcard("dramatiq:cli-dead.XQ") < count:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        worker.stop()
        broker.close()


@pytest.mark.redis
def test_replay_all_shows_its_progress_and_puts_every_letter_back(
    kembar: Run, private_redis: Any
) -> None:
    import redis

    dead_letters(private_redis.url, 3)
    result = kembar("replay", "--all", "--progress", redis_url=private_redis.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "replayed 3"
    assert "replay" in result.stderr and "3/3" in result.stderr
    raw = redis.Redis.from_url(private_redis.url)
    assert raw.zcard("dramatiq:cli-dead.XQ") == 0 and raw.llen("dramatiq:cli-dead") == 3
    again = kembar("replay", "--all", redis_url=private_redis.url)
    assert (again.returncode, again.stdout.strip(), again.stderr) == (0, "replayed 0", "")


def test_seed_demo_shows_that_it_works(kembar: Run, db: str) -> None:
    result = kembar("seed-demo", "--progress", database_url=db)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "demo partnerships created"
    assert "demo" in result.stderr and "━" in result.stderr
    again = kembar("seed-demo", database_url=db)  # not a terminal: no bar
    assert (again.stdout.strip(), again.stderr) == ("partnerships exist; nothing seeded", "")

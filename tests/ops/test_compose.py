"""docker-compose.yml: valid for Debian's docker-compose (`config -q`, offline), every long-running
service has a healthcheck, start order is expressed with depends_on conditions, every KEMBAR_
variable is a real setting, and each Kembar command in it parses (or runs, for the relay's
healthcheck)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.settings import Settings
from tests.cli.conftest import Run, kembar  # noqa: F401  (fixture)
from tests.cli.test_commands import COMMANDS
from tests.ops.parsing import parse

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SERVICES: dict[str, dict[str, Any]] = yaml.safe_load(COMPOSE.read_text())["services"]
KEMBAR_SERVICES = {name for name, s in SERVICES.items() if s.get("image", "").startswith("kembar")}
ONE_SHOT = {name for name, s in SERVICES.items() if s.get("restart") == "no"}


def argv(command: Any) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def healthcheck_argv(service: dict[str, Any]) -> list[str]:
    test = argv(service["healthcheck"]["test"])
    assert test[0] in ("CMD", "CMD-SHELL"), test
    return test[1:] if test[0] == "CMD" else shlex.split(test[1])


@pytest.mark.skipif(
    shutil.which("docker-compose") is None,
    reason="Debian's docker-compose is not installed here (.ci/run installs it for CI)",
)
def test_docker_compose_accepts_the_file() -> None:
    done = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config", "-q"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_stack_has_every_process_of_the_issue() -> None:
    assert {"postgres", "redis", "mailpit", "migrate", "api", "relay", "worker"} <= set(SERVICES)
    assert {"migrate", "api", "relay", "worker"} <= KEMBAR_SERVICES
    assert ONE_SHOT == {"migrate"}


# ids must not be a bare marker name: a test id "postgres" would count as @pytest.mark.postgres
@pytest.mark.parametrize("name", sorted(set(SERVICES) - ONE_SHOT), ids=lambda n: f"{n}-service")
def test_every_long_running_service_has_a_healthcheck(name: str) -> None:
    check = SERVICES[name].get("healthcheck")
    assert check and check.get("test"), f"{name} has no healthcheck"
    assert healthcheck_argv(SERVICES[name])


@pytest.mark.parametrize("name", sorted(KEMBAR_SERVICES))
def test_kembar_services_wait_for_what_they_need(name: str) -> None:
    depends = SERVICES[name].get("depends_on")
    assert isinstance(depends, dict) and depends, f"{name}: depends_on must list conditions"
    for target, rule in depends.items():
        assert target in SERVICES, f"{name} depends on unknown {target}"
        condition = rule.get("condition")
        if condition == "service_healthy":
            assert "healthcheck" in SERVICES[target], f"{target} can never become healthy"
        elif condition == "service_completed_successfully":
            assert target in ONE_SHOT, f"{target} never completes"
        else:
            raise AssertionError(f"{name} -> {target}: condition {condition!r}")
    if name == "migrate":
        assert depends["postgres"]["condition"] == "service_healthy"
    else:  # new code starts only once the migrations of its release are applied
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"


def test_every_kembar_variable_is_a_setting() -> None:
    fields = {f"KEMBAR_{name.upper()}" for name in Settings.model_fields}
    for name in KEMBAR_SERVICES:
        given = set(SERVICES[name].get("environment") or {})
        assert given, f"{name} gets no settings"
        assert {v for v in given if v.startswith("KEMBAR_")} <= fields
        assert {"KEMBAR_MODE", "KEMBAR_DATABASE_URL", "KEMBAR_SECRET_KEY"} <= given
        assert SERVICES[name]["environment"]["KEMBAR_MODE"] == "production"


@pytest.mark.parametrize("name", sorted(KEMBAR_SERVICES))
def test_each_service_command_is_a_kembar_command_whose_options_parse(
    kembar: Run, name: str  # noqa: F811
) -> None:
    command = argv(SERVICES[name]["command"])
    assert command[0] == "kembar" and command[1] in COMMANDS, command
    parse(command)  # options and their values, as the service would run them
    result = kembar(*command[1:], "--help")
    assert result.returncode == 0, result.stderr
    assert f"Usage: kembar {command[1]}" in result.stdout


@pytest.mark.redis
@pytest.mark.postgres  # production mode, as in the stack: PostgreSQL only
def test_the_relay_healthcheck_passes_against_real_servers(
    kembar: Run,  # noqa: F811
    migrated: str,
    private_redis: Any,
) -> None:
    command = healthcheck_argv(SERVICES["relay"])
    assert command[:2] == ["kembar", "check"]
    environment = {
        key.removeprefix("KEMBAR_").lower(): str(value)
        for key, value in SERVICES["relay"]["environment"].items()
    }
    environment |= {"database_url": migrated, "redis_url": private_redis.url}
    environment["smtp_host"] = "mailpit.invalid"  # skipped: the relay sends no e-mail
    result = kembar(*command[1:], **environment)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_worker_healthcheck_reads_the_worker_metrics_port() -> None:
    command = " ".join(healthcheck_argv(SERVICES["worker"]))
    port = Settings.model_fields["worker_metrics_port"].default
    assert f"127.0.0.1:{port}/metrics" in command

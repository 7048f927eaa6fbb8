"""One set-up for `make run` and the containers (`jobmap setup`), and a banner that works.

No container engine runs here, so the container set-up is run the way compose would run it:
the commands compose.yaml names, with the image's environment (the Dockerfile's runtime ENV,
production included) and compose.yaml's, against an empty test database. Then a vacancy must be
accepted: compose.yaml once named only `db upgrade` and `areas load`, and every vacancy posted
was refused for want of the occupation codes."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shlex
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from app.cli import banner
from app.config import PROJECT_ROOT
from tests.conftest import database_url, drop_database, recreate_database
from tests.factories import vacancy_payload
from tests.servers import free_port, running_server

BIN = PROJECT_ROOT / ".venv" / "bin"
COMPOSE = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8"))
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([?-])([^}]*))?\}")


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    """compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}`."""

    def value(match: re.Match[str]) -> str:
        name, kind, word = match.groups()
        if variables.get(name):
            return variables[name]
        if kind == "?":
            raise AssertionError(f"compose would refuse to start: {word}")
        return word if kind == "-" else ""

    return _VARIABLE.sub(value, text)


def image_environment(tmp: Path) -> dict[str, str]:
    """The runtime stage's ENV of the Dockerfile, with /app (its WORKDIR) as the project and
    /tmp as `tmp` (a fresh container's own, empty)."""
    text = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    runtime = text[text.index("AS runtime") :]
    found = {}
    for instruction in re.findall(r"^ENV\s+((?:.*\\\n)*.*)$", runtime, re.MULTILINE):
        for pair in shlex.split(instruction.replace("\\\n", " ")):
            name, _, value = pair.partition("=")
            if name != "PATH":
                # One or the other: a project checked out under /tmp (a CI clone) must not
                # have its own path taken for the container's /tmp.
                if re.match(r"/app\b", value):
                    found[name] = re.sub(r"^/app\b", str(PROJECT_ROOT), value)
                else:
                    found[name] = re.sub(r"^/tmp\b", str(tmp), value)
    return found


def service_environment(
    name: str, database: str, variables: Mapping[str, str], tmp: Path
) -> dict[str, str]:
    declared: dict[str, Any] = COMPOSE["services"][name].get("environment", {})
    environment = {key: interpolate(str(value), variables) for key, value in declared.items()}
    environment["APP_DATABASE_URL"] = database  # the test's, for compose's `db` service
    return {
        **os.environ,
        **image_environment(tmp),
        **environment,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",  # the image's venv is on PATH
    }


def command(name: str, variables: Mapping[str, str]) -> list[str]:
    declared = COMPOSE["services"][name]["command"]
    words = declared if isinstance(declared, list) else shlex.split(declared)
    return [interpolate(str(word), variables) for word in words]


async def run(args: list[str], env: Mapping[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        *args, cwd=PROJECT_ROOT, env=dict(env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout=600)
    text = out.decode(errors="replace")
    assert process.returncode == 0, f"{args} exited {process.returncode}:\n{text[-3000:]}"
    return text


@pytest.fixture
async def empty_database() -> AsyncIterator[str]:
    url = database_url("_compose")
    await recreate_database(url)
    try:
        yield url
    finally:
        await drop_database(url)


async def test_the_compose_set_up_leaves_a_database_that_takes_vacancies(
    empty_database: str, tmp_path: Path
) -> None:
    secret = secrets.token_urlsafe(36)
    variables = {"APP_PERSON_REF_SECRET": secret, "DEMO_VACANCIES": "40", "DEMO_PLACEMENTS": "200"}
    env = service_environment("migrate", empty_database, variables, tmp_path / "migrate")
    assert env["APP_ENVIRONMENT"] == "production"
    migrate = command("migrate", variables)
    assert migrate[0] == "jobmap"

    first = await run(migrate, env)
    for stage in ("migrations", "areas", "classifications", "demo vacancies", "demo placements"):
        assert re.search(rf"setup: {stage} done in [0-9.]+ s", first), first
    assert "40 vacancies" in first
    # Again (every `docker compose up`): nothing is loaded twice.
    again = await run(migrate, env)
    assert "0 inserted, 0 updated" in again
    assert "demo data not loaded (--if-empty)" in again

    made = await run(
        ["jobmap", "employers", "create", "--name", "Công ty TNHH Thử Compose",
         "--tax-code", "1500111222", "--verified"],
        env,
    )  # fmt: skip
    key = re.search(r"key:\s+(\S+)", made)
    assert key, made
    api = service_environment("api", empty_database, variables, tmp_path / "api")
    async with (
        running_server(
            empty_database, environment=api["APP_ENVIRONMENT"], person_ref_secret=secret
        ) as base,
        httpx.AsyncClient() as client,
    ):
        assert (await client.get(f"{base}/readyz")).status_code == 200
        response = await client.post(
            f"{base}/v1/vacancies",
            json=vacancy_payload(),
            headers={"Authorization": f"Bearer {key.group(1)}"},
        )
        assert response.status_code == 201, response.text


def test_compose_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="APP_PERSON_REF_SECRET"):
        service_environment("migrate", "postgresql://x", {}, tmp_path)


async def test_the_banner_of_serve_prints_commands_that_work(empty_database: str) -> None:
    """`make run` ends with `.venv/bin/jobmap serve`: what it prints is run as printed."""
    env = {**os.environ, "APP_DATABASE_URL": empty_database}
    await run([str(BIN / "jobmap"), "setup"], env)
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        ".venv/bin/jobmap", "serve", "--port", str(port), cwd=PROJECT_ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        printed = [
            (await asyncio.wait_for(process.stdout.readline(), timeout=60)).decode()
            for _ in banner("127.0.0.1", port, "jobmap")
        ]
    finally:
        process.terminate()
        await process.wait()
    assert printed[0] == f"Job map:   http://127.0.0.1:{port}/\n"
    commands = [line.strip() for line in printed if "keys create" in line]
    assert commands == ['.venv/bin/jobmap keys create --role department --label "dashboard"']
    # As a newcomer would paste it, in a shell in the project's folder.
    made = await run(["bash", "-c", commands[0]], env)
    assert re.search(r"key:\s+jm_", made), made


def test_make_run_uses_the_one_set_up() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    demo = makefile[makefile.index("\ndemo:") : makefile.index("\nrun:")]
    assert "$(BIN)/jobmap setup" in demo
    assert "run: demo" in makefile
    assert Path(PROJECT_ROOT / "scripts" / "stage.sh").stat().st_mode & 0o111

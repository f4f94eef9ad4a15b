"""The deploy files are valid, checked by the tools that will read them where this machine has them
(scripts/setup.sh installs Debian's prometheus for promtool, docker-compose and caddy); a missing tool
skips its check and says why. `docker build` needs a Docker engine, which this machine does not run."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT
from bot.ops.metrics import METRIC_NAMES

PROMETHEUS = ROOT / "deploy" / "prometheus"
SYSTEMD = ROOT / "deploy" / "systemd"


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed here (scripts/setup.sh installs it where apt-get may)")
    return found


def run(*command: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def alert_rules() -> list[dict]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_every_metric_an_alert_uses_is_defined_in_the_metrics_module() -> None:
    used = {name for rule in alert_rules() for name in re.findall(r"\bxabot_[a-z_]+", rule["expr"])}
    assert used
    histogram_series = re.compile(r"_(bucket|count|sum)$")
    unknown = {name for name in used if name not in METRIC_NAMES and histogram_series.sub("", name) not in METRIC_NAMES}
    assert unknown == set()


def test_every_alert_says_how_bad_and_what_to_do() -> None:
    for rule in alert_rules():
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]


def test_promtool_checks_the_rules_and_their_unit_tests_pass() -> None:
    promtool = tool("promtool")
    checked = run(promtool, "check", "rules", "alerts.yml", cwd=PROMETHEUS)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = run(promtool, "test", "rules", "alerts.test.yml", cwd=PROMETHEUS)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    config = run(promtool, "check", "config", "--syntax-only", "prometheus.yml", cwd=PROMETHEUS)
    assert config.returncode == 0, config.stdout + config.stderr


def compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker and run(docker, "compose", "version").returncode == 0:
        return [docker, "compose"]
    return [tool("docker-compose")]


def test_the_compose_file_is_valid(tmp_path: Path) -> None:
    command = compose_command()
    shutil.copy(ROOT / "docker-compose.yml", tmp_path)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")  # the file the services read, as an operator makes it
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "DOMAIN": "bot.example.gov.vn"}
    checked = run(*command, "config", cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked.stderr
    config = yaml.safe_load(checked.stdout)
    redis_command = " ".join(config["services"]["redis"]["command"])
    assert "--appendonly yes" in redis_command and "--maxmemory-policy noeviction" in redis_command
    assert set(config["services"]) == {"redis", "web", "worker", "caddy"}
    refused = run(*command, "config", cwd=tmp_path, env={"PATH": env["PATH"]})
    assert refused.returncode != 0 and "DOMAIN" in refused.stderr  # no TLS site without a domain


def test_the_systemd_units_verify(tmp_path: Path) -> None:
    analyze = tool("systemd-analyze")
    # A root holding the units, systemd's own targets and stand-ins for the commands they run: verify
    # checks that every ExecStart= is executable.
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    units = root / "etc/systemd/system"
    shutil.copytree(SYSTEMD, units)
    for command in ("opt/xa-bot/.venv/bin/gunicorn", "opt/xa-bot/.venv/bin/python", "opt/xa-bot/scripts/backup.sh",
                    "bin/kill"):
        (root / command).parent.mkdir(parents=True, exist_ok=True)
        (root / command).write_text("#!/bin/sh\n")
        (root / command).chmod(0o755)
    names = sorted(str(path) for path in units.iterdir())
    verified = run(analyze, f"--root={root}", "verify", *names)
    assert verified.returncode == 0 and verified.stderr.strip() == "", verified.stderr


def test_the_caddyfile_validates() -> None:
    caddy = tool("caddy")
    validated = run(caddy, "validate", "--config", "deploy/caddy/Caddyfile", "--adapter", "caddyfile",
                    env={"DOMAIN": "bot.example.gov.vn", "HOME": "/tmp", "XDG_DATA_HOME": "/tmp/caddy-validate"})
    assert validated.returncode == 0, validated.stderr


def test_the_image_runs_unprivileged_with_tesseract_and_a_signal_forwarding_init() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    assert "tesseract-ocr-vie" in dockerfile and "tesseract-ocr " in dockerfile
    assert 'ENTRYPOINT ["/usr/bin/tini", "--"]' in dockerfile

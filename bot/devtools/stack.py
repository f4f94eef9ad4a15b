"""Run the whole product on one machine: Redis (embedded when none answers), the Zalo sandbox,
and the real `web` and `worker` commands from the Procfile.

Used by the demo (`python -m bot.devtools.stack`) and by the end-to-end tests, so that both exercise
exactly what a deployment runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
import requests

from bot.config import ROOT, Settings
from bot.devtools.demo_seed import seed_demo
from bot.devtools.embedded_redis import EmbeddedRedis, free_port, redis_answers

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def procfile_commands(path: Path = ROOT / "Procfile") -> dict[str, str]:
    commands: dict[str, str] = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line.strip())
        if match:
            commands[match.group(1)] = match.group(2)
    return commands


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


@dataclass
class Stack:
    """The processes of one running product. `start()` then `stop()`; usable as a context manager."""

    var_dir: Path = ROOT / "var"
    redis_url: str | None = None
    web_port: int = 0
    sandbox_port: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)
    quiet: bool = True
    embedded_redis: EmbeddedRedis | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    def _redis(self) -> str:
        if self.redis_url:
            return self.redis_url
        if redis_answers(DEFAULT_REDIS_URL):
            return DEFAULT_REDIS_URL
        self.embedded_redis = EmbeddedRedis(self.var_dir / "redis").start()
        return self.embedded_redis.url

    def start(self) -> Stack:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.web_port = self.web_port or free_port()
        self.sandbox_port = self.sandbox_port or free_port()
        redis_url = self._redis()
        oa_secret = secrets.token_hex(16)
        app_secret = secrets.token_hex(16)
        self.env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "ZALO_APP_ID": "3349222483842580322",
            "ZALO_OA_ID": "4024926008133882615",
            "ZALO_OA_SECRET_KEY": oa_secret,
            "ZALO_APP_SECRET": app_secret,
            "ZALO_ACCESS_TOKEN": "sandbox-access-" + secrets.token_hex(8),
            "ZALO_REFRESH_TOKEN": "sandbox-refresh-" + secrets.token_hex(8),
            "ZALO_API_BASE": self.sandbox_url,
            "ZALO_OAUTH_BASE": self.sandbox_url,
            "ZALO_ZNS_API_BASE": self.sandbox_url,
            "SANDBOX_PORT": str(self.sandbox_port),
            "SANDBOX_WEBHOOK_URL": f"{self.web_url}/webhook/zalo",
            "PORT": str(self.web_port),
            "HOST": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        try:
            self.start_process("sandbox", f"{sys.executable} -m sandbox")
            self.start_process("web")
            self.start_process("worker")
            wait_http(f"{self.sandbox_url}/_sandbox/stats")
            wait_http(f"{self.web_url}/healthz")
        except BaseException:
            self.stop()  # never leave half a stack running
            raise
        return self

    def start_process(self, name: str, command: str | None = None) -> None:
        """Start `command`, or the Procfile's command of that name."""
        command = command or procfile_commands()[name]
        log = None if not self.quiet else open(self.var_dir / f"{name}.log", "ab")  # noqa: SIM115
        bin_dir = str(Path(sys.executable).parent)
        env = {**self.env, "PATH": f"{bin_dir}{os.pathsep}{self.env.get('PATH', '')}"}
        self.processes[name] = subprocess.Popen(
            ["bash", "-c", f"exec {command}"], cwd=ROOT, env=env, stdout=log, stderr=log,
            start_new_session=True,
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, sig)
        process.wait(timeout=15)

    def stop(self) -> None:
        for name in list(self.processes):
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                self.kill(name, signal.SIGTERM)
        if self.embedded_redis:
            self.embedded_redis.stop()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _interrupt(signum: int, frame: object) -> None:
    """A plain `kill` of the demo stops its children too, as Ctrl-C does."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the bot with the Zalo sandbox on this machine.")
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--sandbox-port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8090")))
    args = parser.parse_args(argv)
    stack = Stack(redis_url=os.environ.get("REDIS_URL") or None, web_port=args.web_port,
                  sandbox_port=args.sandbox_port, quiet=False)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        stack.start()
        write_demo_env(stack.env)
        seed = seed_demo(redis.Redis.from_url(stack.env["REDIS_URL"]), Settings.from_env(
            redis_url=stack.env["REDIS_URL"]))
        where = stack.embedded_redis.url + " (embedded, AOF on)" if stack.embedded_redis else stack.env["REDIS_URL"]
        login = f"{seed.admin} / {seed.password}" if seed.password else f"{seed.admin} (đã có từ trước)"
        print(f"\n  Redis:   {where}\n  Bot:     {stack.web_url}\n"
              f"  Sandbox: {stack.sandbox_url}/   ← open this to chat with the bot as a citizen\n"
              f"  Console: {stack.web_url}/console/   login {login}\n"
              f"  Sample dossier: send {seed.receipt} in the sandbox chat, then the ID {seed.applicant_id}\n"
              f"  `flask --app wsgi …` commands use this Redis while the demo runs ({DEMO_ENV.relative_to(ROOT)})\n",
              flush=True)
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(0.5)
        print("a process exited; stopping", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        DEMO_ENV.unlink(missing_ok=True)  # flask commands must not reach for a Redis that has stopped
        stack.stop()
    return 0


# What `flask --app wsgi …` reads (wsgi.py) while the demo runs, so that it finds the demo's Redis and
# sandbox without anything exported by hand.
DEMO_ENV = ROOT / "var" / "demo.env"
DEMO_ENV_KEYS = ("REDIS_URL", "ZALO_APP_ID", "ZALO_OA_ID", "ZALO_OA_SECRET_KEY", "ZALO_APP_SECRET",
                 "ZALO_API_BASE", "ZALO_OAUTH_BASE")


def write_demo_env(env: dict[str, str]) -> None:
    DEMO_ENV.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={env[key]}" for key in DEMO_ENV_KEYS if env.get(key)]
    DEMO_ENV.write_text("# Written by the demo while it runs; removed when it stops.\n" + "\n".join(lines) + "\n",
                        encoding="utf-8")
    DEMO_ENV.chmod(0o600)  # it holds the sandbox's secrets


if __name__ == "__main__":
    raise SystemExit(main())

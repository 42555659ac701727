"""Shared test helpers: subprocess handling bounded in time, free ports, a measurement log.

Measurements the tests record with the `report` fixture are printed in pytest's terminal
summary (section "vk8s-fl measurements"), so they show without `-s`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FL_ROOT = Path(__file__).resolve().parent.parent
_MEASUREMENTS: list[str] = []


@pytest.fixture
def report() -> Callable[[str], None]:
    def add(line: str) -> None:
        print(line, flush=True)
        _MEASUREMENTS.append(line)

    return add


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 (pytest hook)
    if _MEASUREMENTS:
        terminalreporter.section("vk8s-fl measurements")
        for line in _MEASUREMENTS:
            terminalreporter.write_line(line)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # FL_ROOT for vk8s_fl, tests/ for test-only entry points (misbehaving_client)
    env["PYTHONPATH"] = os.pathsep.join([str(FL_ROOT), str(FL_ROOT / "tests")]) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["FLWR_TELEMETRY_ENABLED"] = "0"
    env["PYTHONUNBUFFERED"] = "1"
    for key in [k for k in env if k.startswith("VK8S_FL_")]:
        del env[key]  # only explicit arguments configure the children
    return env


class Processes:
    """Starts `python -m <module>` children in their own process groups and guarantees
    they are gone at teardown (SIGTERM, then SIGKILL)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[tuple[str, subprocess.Popen]] = []
        self._files: list = []

    def start(self, name: str, module: str, *args: str, stdout_pipe: bool = False) -> subprocess.Popen:
        out = subprocess.PIPE if stdout_pipe else open(self.log_dir / f"{name}.out", "wb")
        err = open(self.log_dir / f"{name}.err", "wb")
        self._files += [f for f in (out, err) if f is not subprocess.PIPE]
        proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdout=out, stderr=err, env=child_env(), cwd=self.log_dir, start_new_session=True,
        )
        self.started.append((name, proc))
        return proc

    def log(self, name: str, tail: int = 4000) -> str:
        parts = []
        for suffix in ("out", "err"):
            path = self.log_dir / f"{name}.{suffix}"
            if path.exists():
                parts.append(path.read_text(errors="replace")[-tail:])
        return "\n".join(parts)

    def stop_all(self) -> None:
        for _, proc in self.started:
            if proc.poll() is None:
                _signal_group(proc, signal.SIGTERM)
        for _, proc in self.started:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=5)
            if proc.stdout:
                proc.stdout.close()
        for f in self._files:
            f.close()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    procs = Processes(log_dir)
    try:
        yield procs
    finally:
        procs.stop_all()

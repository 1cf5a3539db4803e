"""Real django-q2 worker processes for end-to-end tests: start, kill (SIGKILL), restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The test database, as a URL the worker processes can open."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s.get('PASSWORD') or ''}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


class QCluster:
    """One ``manage.py qcluster`` in its own process group (so SIGKILL takes all its workers)."""

    def __init__(self, *, workers: int = 2, env: dict[str, str] | None = None, log: Path | None = None) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "Q_WORKERS": str(workers),
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        self.log = log
        self.process: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> QCluster:
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT if self.log else subprocess.PIPE,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def group(self) -> list[int]:
        """Every live process of the cluster: the parent and its workers."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == self.pid and fields[0] != "Z":  # pgrp == our session's group
                pids.append(int(entry.name))
        return pids

    def kill(self) -> None:
        """SIGKILL the whole cluster at once: no worker gets to finish what it was doing."""
        os.killpg(self.pid, signal.SIGKILL)
        assert self.process is not None
        self.process.wait(timeout=10)
        self.kills += 1

    def kill_one_worker(self) -> int | None:
        """SIGKILL one worker process (not the parent); the cluster's sentinel replaces it."""
        workers = [pid for pid in self.group() if pid != self.pid]
        if not workers:
            return None
        victim = workers[len(workers) // 2]
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            return None
        self.kills += 1
        return victim

    def stop(self, *, timeout: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.start()


def wait_for(predicate, *, seconds: float = 60.0, every: float = 0.25) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False

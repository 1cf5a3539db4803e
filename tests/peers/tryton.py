"""A real Tryton 8.2 server on 127.0.0.1 for the Tryton connector's tests (REAL_PEERS.md §1).

The server runs from its own virtualenv (cached between runs under
``$SYNC_PORTAL_CACHE``, default ``~/.cache/sync-portal``); the database is built
once per test run (``trytond-admin`` + the bootstrap), in a fresh directory.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PACKAGES = [
    "trytond~=8.2.0",
    "trytond-sale~=8.2.0",
    "trytond-stock~=8.2.0",
    "trytond-account-invoice~=8.2.0",
    "trytond-party~=8.2.0",
    "trytond-product~=8.2.0",
    "proteus~=8.2.0",
]
DB = "shop"
HERE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    return Path(os.environ.get("SYNC_PORTAL_CACHE", Path.home() / ".cache" / "sync-portal"))


def ensure_venv() -> Path:
    """The Tryton virtualenv, created and installed on first use."""
    venv = cache_dir() / "tryton-8.2"
    marker = venv / ".installed"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", *PACKAGES], check=True
        )
        marker.write_text(" ".join(PACKAGES))
    return venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class TrytonServer:
    """A running trytond with a bootstrapped database."""

    process: subprocess.Popen
    port: int
    ids: dict
    workdir: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{DB}/"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def _rpc_ready(port: int) -> bool:
    body = json.dumps({"id": 0, "method": "common.server.version", "params": []}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/rpc/", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def start(workdir: Path) -> TrytonServer:
    """Build a fresh database in ``workdir``, start trytond on a free port, bootstrap it."""
    venv = ensure_venv()
    bin_ = venv / "bin"
    db_dir = workdir / "db"
    db_dir.mkdir(parents=True, exist_ok=True)
    (workdir / "pass").write_text("admin\n")
    port = free_port()
    env = {
        **os.environ,
        "TRYTOND_DATABASE__URI": "sqlite://",
        "TRYTOND_DATABASE__PATH": str(db_dir),
        "TRYTONPASSFILE": str(workdir / "pass"),
        "TRYTOND_WEB__LISTEN": f"127.0.0.1:{port}",
    }
    (db_dir / f"{DB}.sqlite").touch()  # the sqlite backend needs the file to exist
    log = open(workdir / "admin.log", "w")  # noqa: SIM115  (kept open for the subprocesses)
    subprocess.run(
        [str(bin_ / "trytond-admin"), "-d", DB, "--all", "--email", "admin@example.com"],
        env=env,
        check=True,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    subprocess.run(
        [str(bin_ / "trytond-admin"), "-d", DB, "-u", "sale", "--activate-dependencies"],
        env=env,
        check=True,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    process = subprocess.Popen(
        [str(bin_ / "trytond"), "-d", DB],
        env=env,
        stdout=open(workdir / "server.log", "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not _rpc_ready(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"trytond did not start: {(workdir / 'server.log').read_text()[-2000:]}")
        time.sleep(0.2)
    server = TrytonServer(process=process, port=port, ids={}, workdir=workdir)
    try:
        out = subprocess.run(
            [str(bin_ / "python"), str(HERE / "tryton_bootstrap.py"), f"{server.base_url}rpc/", "admin", "admin"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except subprocess.CalledProcessError as exc:
        server.stop()
        raise RuntimeError(f"Tryton bootstrap failed: {exc.stderr[-3000:]}") from exc
    server.ids = json.loads(out.strip().splitlines()[-1])
    return server

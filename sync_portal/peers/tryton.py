"""A real Tryton 8.2 server on 127.0.0.1 for the Tryton connector's tests and the demo (REAL_PEERS.md §1).

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


def start(workdir: Path, *, port: int | None = None) -> TrytonServer:
    """Build a fresh database in ``workdir``, start trytond (on a free port by default), bootstrap it."""
    venv = ensure_venv()
    bin_ = venv / "bin"
    db_dir = workdir / "db"
    db_dir.mkdir(parents=True, exist_ok=True)
    (workdir / "pass").write_text("admin\n")
    port = port or free_port()
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


DEMO_PRODUCTS = {
    "GENSER-BLA": ("Ullgenser blå", "640", "25"),
    "GENSER-ROD": ("Ullgenser rød", "640", "25"),
    "LUE-01": ("Strikkelue", "199", "25"),
    "VOTTER-01": ("Votter", "159", "25"),
    "BOK-01": ("Strikkebok", "299", "0"),
    "SJOKOLADE": ("Kakao og sjokolade", "89", "15"),
    "GAVE": ("Gaveinnpakning", "40", "25"),
    "FRAKT": ("Frakt", "79", "25"),
    "RABATT": ("Rabatt", "0", "25"),
    "AVRUNDING": ("Øreavrunding", "0", "0"),
}
DEMO_PARTIES = {
    "10001": ("Fjordkraft Strikk AS", "innkjop@fjordstrikk.no"),
    "10002": ("Åse Ødegård", "ase@example.no"),
    "10003": ("Zoltán Kovács", "zoltan.k@example.hu"),
    "WEB": ("Nettbutikkunde uten tilknytning", ""),
}
DEMO_STOCK = {"GENSER-BLA": 12, "GENSER-ROD": 4, "LUE-01": 30, "BOK-01": 7, "SJOKOLADE": 50}


def seed_demo(server: TrytonServer) -> None:
    """Products, parties (with the demo's customer numbers as codes) and stock for the demo."""
    from decimal import Decimal

    from connectors.base import ConnectionSettings
    from connectors.platforms.tryton.connector import TrytonConnector

    client = TrytonConnector(
        ConnectionSettings(name="seed", base_url=server.base_url, credentials={"login": "admin", "password": "admin"})
    ).client
    ids = server.ids
    for code, (name, price, _vat) in DEMO_PRODUCTS.items():
        if not client.call("product.product", "search", [("code", "=", code)], 0, 1, None):
            client.call(
                "product.template",
                "create",
                [
                    {
                        "name": name,
                        "code": code,
                        "type": "service" if code in ("FRAKT", "GAVE", "RABATT", "AVRUNDING") else "goods",
                        "default_uom": ids["unit"],
                        "sale_uom": ids["unit"],
                        "salable": True,
                        "list_price": Decimal(price),
                        "account_category": ids["account_category"],
                        "products": [["create", [{"suffix_code": ""}]]],
                    }
                ],
                writes=True,
            )
    for code, (name, email) in DEMO_PARTIES.items():
        if not client.call("party.party", "search", [("code", "=", code)], 0, 1, None):
            values = {"name": name, "code": code, "addresses": [["create", [{"city": "Oslo"}]]]}
            if email:
                values["contact_mechanisms"] = [["create", [{"type": "email", "value": email}]]]
            client.call("party.party", "create", [values], writes=True)
    supplier = client.call("stock.location", "search", [("type", "=", "supplier")], 0, 1, None)[0]
    storage = client.call("stock.location", "search", [("code", "=", "STO")], 0, 1, None)[0]
    products = client.call(
        "product.product", "search_read", [("code", "in", list(DEMO_STOCK))], 0, None, None, ["code", "default_uom"]
    )
    moves = client.call(
        "stock.move",
        "create",
        [
            {
                "product": p["id"],
                "unit": p["default_uom"],
                "quantity": float(DEMO_STOCK[p["code"]]),
                "from_location": supplier,
                "to_location": storage,
                "unit_price": Decimal("1"),
                "currency": 1,
                "company": ids["company"],
            }
            for p in products
        ],
        writes=True,
    )
    client.call("stock.move", "do", moves, writes=True)


def main() -> None:
    """``python -m sync_portal.peers.tryton --port 8103 --demo``: build, start and seed; Ctrl-C stops."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description="A Tryton 8.2 server on 127.0.0.1 for the demo")
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args()
    server = start(Path(tempfile.mkdtemp(prefix="sync-portal-tryton-")), port=args.port)
    try:
        if args.demo:
            seed_demo(server)
        print(f"Tryton on {server.base_url} (login admin / admin)", flush=True)
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()

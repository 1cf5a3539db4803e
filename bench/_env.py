"""What a benchmark does before anything else: its database, quiet logs, Django set up.

``BENCH_DATABASE_URL`` names a database the benchmark may empty; without it a fresh SQLite file
is used (a benchmark whose figure concerns PostgreSQL asks for ``postgres_only``).
"""

from __future__ import annotations

import math
import os
import socket
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(*, postgres_only: bool = False) -> str:
    """Point Django at the benchmark's database and set it up; return the database's kind."""
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if postgres_only and not url.startswith("postgres"):
        sys.exit("Set BENCH_DATABASE_URL=postgres://… (a database this benchmark may empty).")
    os.environ["DATABASE_URL"] = url or f"sqlite:///{tempfile.mkdtemp(prefix='sync-portal-bench-')}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync_portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    return "postgres" if url.startswith("postgres") else "sqlite"


def fresh_database() -> None:
    """Migrate, and empty a named database (a fresh SQLite file is empty already)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if os.environ.get("BENCH_DATABASE_URL"):
        call_command("flush", interactive=False, verbosity=0)


def free_port() -> int:
    """A loopback port nothing listens on, for an emulator or a server the benchmark starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def p95(ordered: list[float]) -> float:
    """The 95th percentile of sorted figures by nearest rank (the smallest figure that at least
    95 % of them do not exceed); NaN when there are none."""
    return ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)] if ordered else float("nan")

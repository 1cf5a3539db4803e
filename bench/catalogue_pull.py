"""Benchmark: a shop's catalogue pulled into the mirror, and the memory it takes.

    .venv/bin/python bench/catalogue_pull.py [PRODUCTS]   (BENCH_DATABASE_URL=postgres://… optional)

A Magento emulator in its own process serves PRODUCTS (default 100 000) simple products; this
process pulls them (``shop_pull_products``: pages of 300, each product mirrored and bound as it comes)
into a fresh database. Ends with one line: products, products mirrored, seconds, pages read, and
this process's peak resident memory (what the pull holds at once, not the catalogue's size).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

from _env import ROOT, free_port, fresh_database, setup  # noqa: E402

DATABASE = setup()


from connectors.flows.catalogue import shop_pull_products  # noqa: E402
from connectors.models import Connection  # noqa: E402
from inventory.models import Product  # noqa: E402


def main(total: int) -> None:
    fresh_database()
    port = free_port()
    emulator = subprocess.Popen(
        [sys.executable, "-m", "connectors.platforms.magento.emulator", "--port", str(port), "--products", str(total)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = emulator.stdout.readline() if emulator.stdout else ""
        token = line.rsplit("token: ", 1)[1].rstrip(")\n")
        shop = Connection.objects.create(
            name="Bench Magento",
            role="shop",
            platform="magento",
            base_url=f"http://127.0.0.1:{port}/rest/default/V1/",
            credentials={"token": token},
            # Magento's largest page (its web API's input limit), as a shop this size would be set up:
            # a third of the page calls of the default 100.
            parameters={"page_size": 300},
        )
        started = time.perf_counter()
        run = shop_pull_products(connection=shop)
        seconds = time.perf_counter() - started
    finally:
        emulator.terminate()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mirrored = Product.objects.filter(shop=shop).count()
    database = DATABASE
    print(
        f"products={total} mirrored={mirrored} status={run.status} seconds={seconds:.0f} "
        f"products_per_s={mirrored / seconds:.0f} peak_rss_mib={peak_mib:.0f} database={database}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

"""The demo ShopRenter shop: a Hungarian catalogue and a new order every few seconds.

Run alone: ``python -m connectors.platforms.shoprenter.emulator --port 8106 --demo``.
"""

from __future__ import annotations

import argparse
import random
import threading

from .emulator import ShopRenterEmulator, seed_demo

DEMO_BUYERS = ["anna.nagy@example.hu", "peter.szabo@example.hu", "eva.toth@example.hu", "vevo@example.hu"]


def place_random_order(emulator: ShopRenterEmulator, rng: random.Random) -> None:
    """One order of one to three products; a registered buyer or a guest; cash on delivery."""
    with emulator.lock:
        skus = [sku for sku, p in emulator.state.products.items() if int(p["stock1"]) > 0]
    if not skus:
        return
    items = [(sku, rng.randint(1, 2)) for sku in rng.sample(skus, k=min(len(skus), rng.randint(1, 3)))]
    emulator.place_order(items=items, customer_id=rng.choice([None, 34, 35]), email=rng.choice(DEMO_BUYERS))


def start_generator(emulator: ShopRenterEmulator, *, every: float, seed: int = 11) -> threading.Event:
    """Place an order every ``every`` seconds until the returned event is set."""
    stop, rng = threading.Event(), random.Random(seed)

    def run() -> None:
        while not stop.wait(every):
            place_random_order(emulator, rng)

    threading.Thread(target=run, name="shoprenter-order-generator", daemon=True).start()
    return stop


def main() -> None:
    parser = argparse.ArgumentParser(description="ShopRenter API emulator (demo shop)")
    parser.add_argument("--port", type=int, default=8106)
    parser.add_argument("--demo", action="store_true", help="seed the catalogue and place orders every few seconds")
    parser.add_argument("--every", type=float, default=15.0)
    args = parser.parse_args()
    emulator = ShopRenterEmulator(port=args.port)
    if args.demo:
        seed_demo(emulator)
        emulator.add_product("KESZTYU-01", "Gyapjú kesztyű", "4500", stock=15)
        emulator.add_product("TEA-01", "Gyógytea", "1200", stock=40, tax_rate="18")
        emulator.place_order(items=[("LUE-01", 2), ("BOK-01", 1)], customer_id=None, email="anna.nagy@example.hu")
        emulator.place_order(items=[("SJAL-01", 1)], customer_id=34)
        start_generator(emulator, every=args.every)
    print(f"ShopRenter emulator on {emulator.base_url} (client {emulator.client_id})", flush=True)
    emulator.serve_forever()

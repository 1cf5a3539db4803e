"""Logging filters: secrets that travel in URLs never reach a log."""

from __future__ import annotations

import logging
import re

# A shop's webhook URL carries the connection's secret (ShopRenter cannot sign its calls).
WEBHOOK_SECRET = re.compile(r"(/hooks/\d+/)[^/\s\"?]+")


class MaskUrlSecrets(logging.Filter):
    """Replace the secret part of webhook URLs in a record's message (access logs print paths)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = WEBHOOK_SECRET.sub(r"\1***", message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True

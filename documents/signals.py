"""Signals of the documents app: the engine listens to record documents in the shop."""

from django.dispatch import Signal

# Sent inside the transaction that made the document, with ``document`` (an Invoice,
# Shipment or CreditNote): a listener that writes rows commits or rolls back with it.
document_made = Signal()

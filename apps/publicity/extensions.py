"""What apps.publicity registers into the ledger's payment guards (apps.ledger.extensions): a line
is paid only once published and its notice period over with no objection open or upheld."""

from __future__ import annotations

from .selectors import lines_not_yet_payable

__all__ = ["lines_not_yet_payable"]

"""Signals the testing app sends, so apps that act on results (cases) need no import from here to there.

- ``result_recorded(sender=TestResult, result=<TestResult>)``: sent inside the transaction that stored the
  result; a receiver's error (bad input) undoes the whole write.
- ``result_revoked(sender=TestResult, result=<TestResult>)``: likewise, when a result is revoked.
"""

from __future__ import annotations

from django.dispatch import Signal

result_recorded = Signal()
result_revoked = Signal()

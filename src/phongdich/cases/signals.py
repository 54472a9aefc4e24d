"""Signals other apps (contact tracing) listen to, so this app never imports them.

- ``case_opened(sender=Case, case=<Case>)``: sent after the transaction that opened the case commits.
- ``case_corrected(sender=Case, case=<Case>)``: sent (after commit) when a case was voided (its result
  revoked, or voided by hand) or its onset, sampling or isolation date changed: anything derived from
  the case's infectious window must be recomputed. ``case.status`` tells a void from a date change.
"""

from __future__ import annotations

from django.dispatch import Signal

case_opened = Signal()
case_corrected = Signal()

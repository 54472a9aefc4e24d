"""Signals contact tracing sends, so apps acting on its lists (quarantine) need no import from here to there.

- ``contacts_found(sender=Contact, case_id=<int>, contact_ids=<list[int]>)``: sent after the transaction of a
  tracing run commits, with the ids of the contacts that run added or updated. Receivers must be idempotent:
  re-tracing a case sends the same contacts again.
"""

from __future__ import annotations

from django.dispatch import Signal

contacts_found = Signal()

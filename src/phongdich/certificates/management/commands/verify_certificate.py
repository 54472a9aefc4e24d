"""phongdich verify-certificate [--trust FILE]… [--at ISO-TIME] PAYLOAD: print the verdict as JSON.

PAYLOAD is the HC1 text or a file holding it. Each --trust file is a PEM or DER X.509 certificate or an
exported trust list; without any, the installation's trust list is used. Exits 1 when not valid.
"""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.certificates import qrimage, rules, services
from phongdich.certificates.dcc.verifier import verify
from phongdich.core.errors import DomainError


class Command(BaseCommand):
    help = "Verify an EU DCC (HC1:…) and print the verdict as JSON; exit status 1 when it is not valid."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("payload", help="the HC1 text, or a file that holds it")
        parser.add_argument(
            "--trust",
            action="append",
            default=[],
            metavar="FILE",
            help="a trusted PEM/DER certificate or an exported trust list (repeatable)",
        )
        parser.add_argument("--at", default=None, metavar="ISO-TIME", help="verify as at this time (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        at = None
        if options["at"]:
            try:
                at = dt.datetime.fromisoformat(options["at"].replace("Z", "+00:00"))
            except ValueError:
                raise CommandError(_("--at is an ISO 8601 time, e.g. 2026-01-31T12:00:00Z.")) from None
            if at.tzinfo is None:
                at = at.replace(tzinfo=dt.UTC)
        payload = options["payload"]
        try:
            if not payload.startswith("HC1:") and Path(payload).is_file():
                payload = _payload_from_file(Path(payload))
            if options["trust"]:
                blobs = []
                for name in options["trust"]:
                    try:
                        blobs.append((name, Path(name).read_bytes()))
                    except OSError as exc:
                        raise CommandError(str(exc)) from None
                verdict = verify(payload, services.trusted_keys_from_files(blobs), at)
            else:
                verdict = services.verify_certificate(payload, at=at)
        except DomainError as exc:
            problems = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            raise CommandError(f"{exc.detail} {problems}".strip()) from None
        body = verdict.as_json()
        accepted = rules.acceptance_of(verdict, at=at or timezone.now())
        body["acceptance"] = accepted.as_json() if accepted is not None else None
        self.stdout.write(json.dumps(body, ensure_ascii=False, indent=2))
        if not verdict.valid:
            raise SystemExit(1)


def _payload_from_file(path: Path) -> str:
    """A file holding the HC1 text, or a picture of the QR code (PNG, JPEG …)."""
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace").strip()
    if text.startswith("HC1:") or not data.startswith(_PICTURE_SIGNATURES):
        return text
    return qrimage.text_from_image(data)


_PICTURE_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"BM")

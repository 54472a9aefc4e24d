"""The verifier page: a certificate QR read by the camera, pasted as text, or sent as a picture.

Staff at the border gate, the airport and venues check certificates from any issuer in the trust list.
The page shows what the QR itself carries (name, birth date, the vaccination/test/recovery entry) and
keeps nothing: a verification is not a record of the platform.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phongdich.certificates import qrimage, rules, services
from phongdich.certificates.dcc.verifier import Verdict
from phongdich.core.errors import DomainError
from phongdich.web.views import screen, signed_in

MAX_PAYLOAD = 8_000

# Why a certificate is not valid, in words for the person at the gate.
REASON_TEXT = {
    "bad_prefix": gettext_lazy("This is not an EU digital COVID certificate (the code does not start with HC1:)."),
    "bad_base45": gettext_lazy("The code is damaged: it is not valid Base45 text."),
    "bad_compression": gettext_lazy("The code is damaged: its content cannot be unpacked."),
    "bad_cbor": gettext_lazy("The code is damaged: its content cannot be read."),
    "bad_cose": gettext_lazy("The code is not a signed certificate."),
    "unknown_issuer": gettext_lazy("The certificate was signed by a key that is not in the trust list."),
    "bad_signature": gettext_lazy("The signature does not match: the certificate was changed or forged."),
    "wrong_key_usage": gettext_lazy("The signing key may not sign this type of certificate."),
    "expired": gettext_lazy("The certificate (or the key that signed it) has expired."),
    "not_yet_valid": gettext_lazy("The certificate is not valid yet."),
    "schema": gettext_lazy("The certificate's content does not follow the EU DCC format."),
    "revoked": gettext_lazy("The issuer has revoked this certificate."),
}
KIND_TEXT = {
    "v": gettext_lazy("Vaccination"),
    "t": gettext_lazy("Test"),
    "r": gettext_lazy("Recovery"),
}


class VerifyForm(forms.Form):
    payload = forms.CharField(
        label=gettext_lazy("Certificate code (HC1:…)"),
        required=False,
        max_length=MAX_PAYLOAD,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )
    image = forms.FileField(label=gettext_lazy("…or a picture of the QR code"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("payload") or "").strip() and not cleaned.get("image"):
            raise forms.ValidationError(_("Scan the QR code, paste the code, or choose a picture of it."))
        return cleaned


def _summary(verdict: Verdict) -> dict[str, Any]:
    """What the page shows of a verdict: the reason in words, the holder, the entry the QR carries, and
    whether Vietnam's acceptance rules (CertLogic) accept it now."""
    payload = verdict.payload or {}
    raw_names = payload.get("nam")
    names: dict[str, Any] = raw_names if isinstance(raw_names, dict) else {}
    entries: list[dict[str, Any]] = []
    for kind in ("v", "t", "r"):
        for entry in payload.get(kind) or []:
            if isinstance(entry, dict):
                entries.append({"kind": KIND_TEXT[kind], "fields": entry})
    holder = " ".join(str(part) for part in (names.get("fn"), names.get("gn")) if part)
    return {
        "verdict": verdict,
        "reason_text": REASON_TEXT.get(verdict.reason or "", ""),
        "kind_text": KIND_TEXT.get(verdict.kind or "", ""),
        "holder": holder,
        "date_of_birth": payload.get("dob"),
        "entries": entries,
        "acceptance": rules.acceptance_of(verdict, at=timezone.now()),
    }


@screen
def verify_page(request: HttpRequest) -> HttpResponse:
    signed_in(request)
    context: dict[str, Any] = {}
    form = VerifyForm()
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                payload = (form.cleaned_data.get("payload") or "").strip()
                if not payload:
                    payload = qrimage.text_from_image(form.cleaned_data["image"].read(qrimage.MAX_IMAGE_BYTES + 1))
                context.update(_summary(services.verify_certificate(payload)))
                form = VerifyForm()
            except DomainError as error:
                for item in error.errors:
                    form.add_error(item.field if item.field in form.fields else None, item.message)
    context["form"] = form
    template = "certificates/_verdict.html" if request.headers.get("HX-Request") else "certificates/verify.html"
    response = render(request, template, context)
    response["Cache-Control"] = "private, no-store"
    return response

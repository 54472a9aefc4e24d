"""The citizen's own certificates (the EU DCC as a QR code, and its PDF); a person's certificates for officers:
issue, download and revoke."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.certificates import issuing, pdf
from phongdich.certificates.dcc import valuesets
from phongdich.certificates.models import CertificateKind, IssuedCertificate
from phongdich.core import access
from phongdich.core.errors import DomainError
from phongdich.testing.models import TestResult
from phongdich.web.navigation import is_citizen
from phongdich.web.views import screen, signed_in


def _card(certificate: IssuedCertificate) -> dict[str, Any]:
    qr = segno.make(certificate.hc1, error="q")
    entry = certificate.entry
    return {
        "certificate": certificate,
        "issued": certificate,
        # segno writes the SVG itself from the HC1 text (Base45 characters only): safe markup.
        "svg": mark_safe(qr.svg_inline(scale=3, title=None)),  # noqa: S308
        "lines": pdf.entry_lines(certificate.kind, entry, language="current"),
    }


@screen
def my_certificate(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not is_citizen(user):
        raise Http404()
    context: dict[str, object] = {"linked": user.person_id is not None}
    if user.person_id is not None:
        cards = [_card(certificate) for certificate in issuing.current_certificates(user)]
        context["cards"] = cards
        context["has_vaccination"] = any(c["certificate"].kind == CertificateKind.VACCINATION for c in cards)
    response = render(request, "certificates/my_certificate.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@screen
def certificate_pdf(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """The printable certificate: a citizen's own, or any an officer may see."""
    user = signed_in(request)
    certificate = access.get_or_404(IssuedCertificate.objects.select_related("person"), user, "view", pk=certificate_id)
    audit.record(user, AuditAction.EXPORT, "certificate", certificate.pk, detail={"person": certificate.person_id})
    response = HttpResponse(pdf.certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _issue_or_revoke(request: HttpRequest, person_id: int) -> None:
    """Carry out the posted action; the outcome (or the errors) as a message."""
    user = signed_in(request)
    action = request.POST.get("action", "")
    if action == "vaccination":
        issuing.issue_for_person(user, person_id, CertificateKind.VACCINATION)
    elif action == "recovery":
        issuing.recovery_certificate(user, person_id)
    elif action == "test":
        result = access.get_or_404(
            TestResult.objects.all(), user, "view", pk=request.POST.get("result", ""), sample__person_id=person_id
        )
        issuing.test_certificate(user, result.pk, device=request.POST.get("device", ""))
    elif action == "revoke":
        certificate = access.get_or_404(
            IssuedCertificate.objects.all(), user, "change", pk=request.POST.get("certificate", ""), person_id=person_id
        )
        issuing.revoke_certificate(user, certificate.pk, request.POST.get("reason", ""))
        messages.success(request, _("The certificate is revoked."))
        return
    else:
        raise Http404()
    messages.success(request, _("The certificate is issued."))


@screen
@require_http_methods(["GET", "POST"])
def person_certificates(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person's certificates for officers: each with its PDF; issue one, or revoke one."""
    user = signed_in(request)
    if request.method == "POST":
        if not access.can(user, "certificate", "add"):
            raise Http404()
        try:
            _issue_or_revoke(request, person_id)
        except DomainError as error:
            if error.status == 404:
                raise
            details = "; ".join(item.message for item in error.errors)
            messages.error(request, f"{error.detail} {details}".strip())
        return redirect("certificate-person", person_id=person_id)
    person, certificates = issuing.person_certificates(user, person_id)
    results = access.restrict(
        TestResult.objects.filter(
            sample__person_id=person_id,
            revoked_at__isnull=True,
            result__in=list(issuing.RESULT_CODES),
            sample__test_type__in=list(issuing.TEST_TYPE_CODES),
        ).select_related("sample"),
        user,
        "view",
    ).order_by("-sample__taken_at")[:20]
    context = {
        "person": person,
        "certificates": certificates,
        "results": results,
        "devices": sorted(valuesets.RAT_DEVICES.items(), key=lambda item: item[1]),
        "can_issue": access.can(user, "certificate", "add"),
        "can_revoke": access.can(user, "certificate", "change"),
    }
    response = render(request, "certificates/person_certificates.html", context)
    response["Cache-Control"] = "private, no-store"
    return response

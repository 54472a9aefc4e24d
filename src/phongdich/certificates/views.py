"""The citizen's own vaccination certificate: the EU DCC as a QR code."""

from __future__ import annotations

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from phongdich.certificates import issuing
from phongdich.core.errors import InvalidInput
from phongdich.web.navigation import is_citizen
from phongdich.web.views import screen, signed_in


@screen
def my_certificate(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not is_citizen(user):
        raise Http404()
    context: dict[str, object] = {"linked": user.person_id is not None}
    if user.person_id is not None:
        try:
            issued = issuing.issue_for_person(user, user.person_id)
        except InvalidInput:
            issued = None
        if issued is not None:
            qr = segno.make(issued.payload, error="q")
            dose = issued.dcc["v"][0]
            context.update(
                {
                    "issued": issued,
                    # segno writes the SVG itself from the HC1 text (Base45 characters only): safe markup.
                    "svg": mark_safe(qr.svg_inline(scale=3, title=None)),  # noqa: S308
                    "dose_number": dose["dn"],
                    "doses_for_course": dose["sd"],
                    "dose_date": dose["dt"],
                }
            )
    response = render(request, "certificates/my_certificate.html", context)
    response["Cache-Control"] = "private, no-store"
    return response

"""The JSON API at /api/v1/: one NinjaAPI, one router per domain app."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from phongdich.accounts.api import router as accounts_router
from phongdich.cases.api import clusters_router
from phongdich.cases.api import router as cases_router
from phongdich.certificates.api import router as certificates_router
from phongdich.checkins.api import router as checkins_router
from phongdich.checkpoints.api import router as checkpoints_router
from phongdich.core.api import AUTH, FastJsonParser, install_error_handlers
from phongdich.declarations.api import router as declarations_router
from phongdich.exposure.api import router as exposure_router
from phongdich.geo.api import router as geo_router
from phongdich.levels.api import router as levels_router
from phongdich.lockdown.api import router as lockdown_router
from phongdich.notify.api import router as notify_router
from phongdich.people.api import router as people_router
from phongdich.portal.api import router as portal_feedback_router
from phongdich.quarantine.api import router as quarantine_router
from phongdich.reports.api import directives_router, reports_router
from phongdich.situation.api import router as situation_router
from phongdich.tasks.api import router as tasks_router
from phongdich.testing.api import router as testing_router
from phongdich.tracing.api import router as tracing_router
from phongdich.vaccination.api import router as vaccination_router
from phongdich.vaccination.sessions_api import invitations_router as vaccination_invitations_router
from phongdich.vaccination.sessions_api import registrations_router as vaccination_registrations_router
from phongdich.vaccination.sessions_api import sessions_router as vaccination_sessions_router
from phongdich.vaccination.sessions_api import sites_router as vaccination_sites_router
from phongdich.venues.api import router as venues_router

api = NinjaAPI(
    title="PhòngDịch API",
    version="1",
    description=(
        "The province's epidemic response platform. Authenticate with a signed-in session or "
        "`Authorization: Bearer <token>` (create tokens under API tokens). Every 4xx answers "
        '`{"detail": "...", "errors": [{"field": "...", "message": "..."}]}`. Records outside your '
        "jurisdiction answer 404."
    ),
    urls_namespace="api",
    auth=AUTH,
    parser=FastJsonParser(),
    # Swagger UI is served from ninja's bundled static files: no CDN.
    docs=Swagger(settings={"persistAuthorization": True}),
)
install_error_handlers(api)
api.add_router("/persons", people_router)
api.add_router("/units", geo_router)
api.add_router("/tokens", accounts_router)
api.add_router("/venues", venues_router)
api.add_router("/checkins", checkins_router)
api.add_router("/vaccinations", vaccination_router)
api.add_router("/vaccination-sites", vaccination_sites_router)
api.add_router("/vaccination-sessions", vaccination_sessions_router)
api.add_router("/vaccination-invitations", vaccination_invitations_router)
api.add_router("/vaccination-registrations", vaccination_registrations_router)
api.add_router("/certificates", certificates_router)
api.add_router("/tests", testing_router)
api.add_router("/cases", cases_router)
api.add_router("/clusters", clusters_router)
# Contact tracing: /cases/{id}/contacts, /cases/{id}/named-contacts, /contacts.
api.add_router("", tracing_router)
api.add_router("/tasks", tasks_router)
api.add_router("/messages", notify_router)
# Exposure notifications (GAEN): verification, key upload, phones, risk configuration.
api.add_router("/exposure", exposure_router)
# Quarantine: facilities, admissions, orders, health checks, alerts, policy.
api.add_router("/quarantine", quarantine_router)
# Epidemic levels: levels in effect, assessing, publication, rule sets, capacity.
api.add_router("/levels", levels_router)
# The situation: figures per unit, the epidemic curve, Rt and the projection.
api.add_router("/situation", situation_router)
# Lockdown zones (khoanh vùng): create, change, end.
api.add_router("/lockdown-zones", lockdown_router)
# Daily reports from communes and directives to units.
api.add_router("/daily-reports", reports_router)
api.add_router("/directives", directives_router)
# Health declarations: the one-time code, declaring (no account needed), officers' lists.
api.add_router("/declarations", declarations_router)
# Gateway checkpoints: scans and their decisions (single and queued), passes, summaries, entry rules.
api.add_router("/checkpoints", checkpoints_router)
# The citizen portal's feedback (phản ánh): citizens send and follow theirs; communes answer.
api.add_router("/feedback", portal_feedback_router)

"""The demo's portal step: articles (the self-test guide among them), hotlines, answered feedback; re-runs replace."""

from __future__ import annotations

import pytest

from phongdich.geo.services import load_bundled_province
from phongdich.portal import cms
from phongdich.portal.models import Article, Feedback, Hotline
from phongdich.portal.synth_step import ARTICLES, PortalStep
from phongdich.synth import services
from phongdich.synth.generator import PeopleStep, StaffStep, SynthOptions


@pytest.fixture
def province(db):
    load_bundled_province()


def generate(replace: bool = False):
    options = SynthOptions(
        seed=5,
        scale=0.001,
        as_of=services.today_in_vietnam(),
        staff_password_hash=services.hash_staff_password("x"),
        replace=replace,
        outbreak=0,
        adoption=0.0,
    )
    return services.generate(options, plan=[PeopleStep(), StaffStep(), PortalStep()])


def test_the_portal_step_writes_guidance_hotlines_and_answered_feedback(province):
    generate()
    assert Article.objects.count() == len(ARTICLES)
    published = cms.published()
    assert published[0].pinned and "huong-dan-tu-xet-nghiem-tai-nha" in {a.slug for a in published}
    assert Hotline.objects.filter(unit__level="province").count() == 2
    assert Hotline.objects.filter(unit__level="district").count() == 13
    feedback = list(Feedback.objects.all())
    assert feedback and any(f.status == "answered" and f.answers.exists() for f in feedback)
    first = {f.uuid for f in feedback}
    generate(replace=True)
    assert Article.objects.count() == len(ARTICLES)
    assert {f.uuid for f in Feedback.objects.all()} == first
    assert Feedback.objects.count() == len(first)

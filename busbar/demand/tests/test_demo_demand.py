"""The demand demo (issue 15, item 7), loaded once for the module on the core demo's parties and the
services catalogue: tolerances for the CSS and registration services and three notices (above tolerance
with the bulletin sent and mitigation requested, within tolerance, closed with compliance recorded);
loading twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import override_settings

from busbar.conftest import ensure_installed_defaults
from busbar.demand.demo import TOLERANCES, load
from busbar.demand.models import DemandLine, DemandNotice, DemandTolerance
from busbar.demand.queries import visible_to
from busbar.records.models import Entry
from busbar.requests.tests.test_demo_requests import parties
from busbar.services.demo import load as load_services

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                ensure_installed_defaults()
                ctx = parties()
                load_services(ctx)
                load(ctx)
            yield ctx
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def counts() -> dict:
    return {
        "tolerances": DemandTolerance.objects.count(),
        "notices": DemandNotice.objects.count(),
        "lines": DemandLine.objects.count(),
        "entries": Entry.objects.filter(record__kind="demand_notice").count(),
    }


def test_tolerances_for_css_and_registration_services(demo):
    slugs = set(DemandTolerance.objects.values_list("service__slug", flat=True))
    assert slugs == {t[0] for t in TOLERANCES}
    assert {"css-registration", "mprs-eastern", "uk-link"} <= slugs


def test_three_notices_above_below_and_closed(demo):
    notices = {n.organisation.slug: n for n in DemandNotice.objects.select_related("organisation")}
    assert len(notices) == 3
    above = notices["brightwater"]
    assert above.above_tolerance
    assert above.providers_notified_at is not None
    assert above.mitigation_requested and above.filer_response
    assert above.status == "mitigation_requested"
    below = notices["kestrel"]
    assert not below.above_tolerance
    assert below.status == "under_analysis"
    closed = notices["northern-lights"]
    assert closed.status == "closed" and closed.compliance == "complied"


def test_each_supplier_sees_only_its_own(demo):
    kestrel = visible_to(demo.people["supplier@kestrel.example"])
    assert set(kestrel.values_list("organisation__slug", flat=True)) == {"kestrel"}
    assert visible_to(demo.people["analyst@operator.example"]).count() == 3


def test_loading_twice_changes_nothing(demo):
    before = counts()
    load(demo)
    assert counts() == before

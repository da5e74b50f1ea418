"""The demo catalogue loads through the actions and is safe to load twice."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import make_org
from busbar.core.demo import ORGANISATIONS, DemoContext
from busbar.lib.actions import Actor
from busbar.services import demo
from busbar.services.models import Calendar, Service, SeverityScheme, SlaPolicy

pytestmark = pytest.mark.django_db
NEEDED = {"css-provider", "xoserve", "electralink", "dcc", "eastern-dn", "northern-dn"}


@pytest.fixture
def ctx() -> DemoContext:
    context = DemoContext(actor=Actor.system())
    for name, slug, roles, _, _ in ORGANISATIONS:
        if slug in NEEDED:
            context.orgs[slug] = make_org(name, roles, slug=slug)
    return context


def test_demo_catalogue(ctx: DemoContext) -> None:
    demo.load(ctx)
    services = {s.slug: s for s in Service.objects.select_related("provider", "parent", "sla_policy")}
    assert len(services) == 9
    assert services["switching-portal"].parent == services["css-registration"]
    assert services["css-address"].provider.slug == "css-provider"
    assert {services["uk-link"].provider.slug, services["des"].provider.slug} == {"xoserve"}
    assert services["mprs-eastern"].provider.slug == "eastern-dn"
    assert services["mprs-northern"].provider.slug == "northern-dn"
    assert services["ecoes"].provider.slug == "electralink"
    assert sorted(s.slug for s in services["ecoes"].depends_on.all()) == ["mprs-eastern", "mprs-northern"]
    assert services["dcc-dsp"].provider.slug == "dcc"
    sec = SeverityScheme.objects.get(name="SEC incident categories")
    assert sec.severities.count() == 5 and "EXAMPLE ONLY" in sec.description
    assert services["dcc-dsp"].sla_policy.scheme == sec
    assert services["dcc-dsp"].sla_policy.targets.count() == 10
    assert services["uk-link"].sla_policy.is_default
    assert Calendar.objects.get(name=demo.OFFICE).closures.count() == 3
    assert any("demo services added" in line for line in ctx.lines)
    assert AuditEntry.objects.filter(action="service.create").count() == 9
    assert services["des"].status == "maintenance" and "Release 24.3" in services["des"].status_note


def test_loading_twice_changes_nothing(ctx: DemoContext) -> None:
    demo.load(ctx)
    counts = (
        Service.objects.count(),
        Calendar.objects.count(),
        SlaPolicy.objects.count(),
        SeverityScheme.objects.count(),
        AuditEntry.objects.count(),
    )
    demo.load(ctx)
    assert counts == (
        Service.objects.count(),
        Calendar.objects.count(),
        SlaPolicy.objects.count(),
        SeverityScheme.objects.count(),
        AuditEntry.objects.count(),
    )

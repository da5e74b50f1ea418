"""SIT exemption (QM-04): refused unless the participant completed SIT; granted, it gets a sequential
reference, leaves its tranche and has a written confirmation (a PDF naming the organisation) that its
organisation and the programme's readers download; nobody else."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib import pdf
from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.migration import exemption
from busbar.migration.actions import qualification as act
from busbar.migration.models import Entrant, QualificationStatus
from busbar.migration.tests.conftest import NOW, actor
from busbar.testing.models import EntryStatus, ParticipantRole, Participation, Phase, PhaseKind

pytestmark = pytest.mark.django_db


def _sit_phase(m) -> Phase:
    phase = Phase.objects.create(
        programme=m.programme,
        code="sit-functional",
        name="SIT Functional",
        kind=PhaseKind.SIT_FUNCTIONAL,
        planned_start=dt.date(2026, 1, 5),
        planned_end=dt.date(2026, 12, 18),
        owner=m.si_org,
    )
    m.window.sit_phase = phase
    m.window.save()
    return phase


def _participate(m, phase, org, status, completed_on=None) -> Participation:
    role, _ = ParticipantRole.objects.get_or_create(programme=m.programme, code="supplier", label="Supplier")
    return Participation.objects.create(
        phase=phase, organisation=org, role=role, status=status, completed_on=completed_on
    )


def _allocate(m, entrant, tranche) -> None:
    Entrant.objects.filter(pk=entrant.pk).update(status=QualificationStatus.ALLOCATED, tranche=tranche)
    entrant.refresh_from_db()


def test_refused_without_sit_completion(m) -> None:
    phase = _sit_phase(m)
    _participate(m, phase, m.world.org_a, EntryStatus.ENTERED)
    with pytest.raises(ActionError) as exc:
        act.confirm_exemption(actor=actor(m.si), entrant=m.alpha, now=NOW)
    assert exc.value.field == "sit_completed_on" and "has not completed SIT" in exc.value.message
    m.alpha.refresh_from_db()
    assert m.alpha.status == QualificationStatus.NEEDS and m.alpha.exemption_reference == ""
    assert not AuditEntry.objects.filter(action="migration.confirm_exemption").exists()


def test_granted_with_sit_completed_in_the_sit_phase(m) -> None:
    phase = _sit_phase(m)
    _participate(m, phase, m.world.org_a, EntryStatus.COMPLETED, dt.date(2026, 11, 30))
    _allocate(m, m.alpha, m.tranches[0])
    done = act.confirm_exemption(actor=actor(m.si), entrant=m.alpha, now=NOW)
    assert done.status == QualificationStatus.EXEMPT and done.tranche is None
    assert done.exemption_reference == "QEX-MHHS-0001" and done.exemption_confirmed_at == NOW
    assert done.sit_completed_on == dt.date(2026, 11, 30)
    entry = AuditEntry.objects.get(action="migration.confirm_exemption")
    assert entry.owner_organisation == m.world.org_a
    # a second exemption, by a manager-recorded SIT date: the next reference
    act.update_entrant(actor=actor(m.si), entrant=m.delta, sit_completed_on=dt.date(2026, 12, 1), now=NOW)
    assert act.confirm_exemption(actor=actor(m.si), entrant=m.delta, now=NOW).exemption_reference == (
        "QEX-MHHS-0002"
    )


def test_only_managers_confirm_and_only_from_needs_or_allocated(m) -> None:
    act.update_entrant(actor=actor(m.si), entrant=m.alpha, sit_completed_on=dt.date(2026, 12, 1), now=NOW)
    for user in (m.assurer, m.code_body_user, m.world.user_a):
        with pytest.raises(NotPermitted):
            act.confirm_exemption(actor=actor(user), entrant=m.alpha, now=NOW)
    Entrant.objects.filter(pk=m.alpha.pk).update(status=QualificationStatus.QUALIFIED)
    with pytest.raises(IllegalTransition):
        act.confirm_exemption(actor=actor(m.si), entrant=m.alpha, now=NOW)


def test_letter_pdf_names_the_organisation(m) -> None:
    phase = _sit_phase(m)
    _participate(m, phase, m.world.org_a, EntryStatus.COMPLETED, dt.date(2026, 11, 30))
    done = act.confirm_exemption(actor=actor(m.si), entrant=m.alpha, now=NOW)
    body = exemption.render_letter(done)
    assert body.startswith(b"%PDF")
    assert exemption.render_letter(done) == body  # the same bytes each time
    source = exemption.TEMPLATE.read_text(encoding="utf-8")
    data = exemption.letter_data(done)
    assert pdf.query(source, data, "<organisation>")[0]["child"]["text"] == m.world.org_a.name
    assert pdf.query(source, data, "<reference>")[0]["child"]["text"] == "QEX-MHHS-0001"
    completion = pdf.query(source, data, "<completion>")[0]
    assert "30 November 2026" in str(completion) and "SIT Functional" in str(completion)
    assert data["programme_name"] == m.programme.name and data["date"] == "16 June 2027"
    assert data["confirmed_by"].startswith("si") and "MHHS SI" in data["confirmed_by"]


def test_letter_download_per_persona(m) -> None:
    act.update_entrant(actor=actor(m.si), entrant=m.alpha, sit_completed_on=dt.date(2026, 12, 1), now=NOW)
    url = f"/migration/qualification/mhhs/entrants/{m.alpha.pk}/exemption.pdf"
    assert m.client(m.world.user_a).get(url).status_code == 404  # no letter yet
    act.confirm_exemption(actor=actor(m.si), entrant=m.alpha, now=NOW)
    for user in (m.world.user_a, m.world.admin_a, m.si, m.assurer, m.world.analyst):
        r = m.client(user).get(url)
        assert r.status_code == 200 and r.content.startswith(b"%PDF"), user
        assert r["Content-Type"] == "application/pdf" and "qex-mhhs-0001" in r["Content-Disposition"]
    for user in (m.world.user_b, m.code_body_user, m.agent, m.dno, m.world.resolver):
        assert m.client(user).get(url).status_code == 404, user
    assert m.client(None).get(url).status_code == 302
    page = (
        m.client(m.world.user_a).get(f"/migration/qualification/mhhs/entrants/{m.alpha.pk}/").content.decode()
    )
    assert "QEX-MHHS-0001" in page and "exemption.pdf" in page


def test_confirm_through_page_and_api(m) -> None:
    act.update_entrant(actor=actor(m.si), entrant=m.alpha, sit_completed_on=dt.date(2026, 12, 1), now=NOW)
    url = f"/api/v1/migration/qualification/mhhs/entrants/{m.bravo.pk}/exemption"
    r = m.client(m.si).post(url, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "sit_completed_on"
    for user in (m.assurer, m.code_body_user):
        assert m.client(user).post(url, content_type="application/json").status_code == 403
    for user in (m.world.user_a, m.dno, m.world.resolver):
        assert m.client(user).post(url, content_type="application/json").status_code == 404
    r = m.client(m.si).post(
        f"/api/v1/migration/qualification/mhhs/entrants/{m.alpha.pk}/exemption",
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "exempt"
    assert r.json()["exemption_reference"] == "QEX-MHHS-0001"
    page = f"/migration/qualification/mhhs/entrants/{m.bravo.pk}/"
    r = m.client(m.si).post(page, {"form": "exemption"})
    assert r.status_code == 422 and "has not completed SIT" in r.content.decode()
    assert m.client(m.world.user_b).post(page, {"form": "exemption"}).status_code == 403

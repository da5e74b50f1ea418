"""The Change Notification page for each persona, allowed and denied: drafts only for the desk and the
provider (a 404 for everyone else), the provider's internal fields hidden from participants, conflicts and
consultations for those who review, action forms only as permissions.available offers them."""

import datetime as dt

import pytest

from busbar.changes.models import (
    CcgDecision,
    CcgOutcome,
    ChangeConflict,
    ChangeNotification,
    ChangeStatus,
    ConflictKind,
    Consultation,
)

pytestmark = pytest.mark.django_db


def _page(client, change) -> str:
    response = client.get(f"/changes/{change.reference}/")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_a_draft_is_the_providers_and_the_desks(chg) -> None:
    for user in (chg.desk, chg.provider):
        page = _page(chg.client(user), chg.draft)
        assert chg.draft.title in page and "CSS DBA" in page and "Restore the previous release" in page
        assert "Submit to the CCG" in page and f"/changes/{chg.draft.reference}/edit/" in page
    for user in (chg.alpha, chg.bravo, chg.gas):
        assert chg.client(user).get(f"/changes/{chg.draft.reference}/").status_code == 404
        assert chg.client(user).post(f"/changes/{chg.draft.reference}/submit/", {}).status_code == 404
        assert chg.client(user).get(f"/changes/{chg.draft.reference}/edit/").status_code == 404
    assert chg.client(None).get(f"/changes/{chg.draft.reference}/").status_code == 302
    assert chg.client(chg.desk).get("/changes/CHG9999999/").status_code == 404


def test_participants_read_a_published_change_without_its_internal_fields(chg) -> None:
    ChangeConflict.objects.create(
        change=chg.accepted, kind=ConflictKind.RELATED_SERVICE, service=chg.css, detail="CSS work overlaps"
    )
    ChangeNotification.objects.filter(pk=chg.accepted.pk).update(emergency_reason="Secret reason")
    page = _page(chg.client(chg.alpha), chg.accepted)
    assert chg.accepted.title in page and "UK Link" in page and "Switch requests queue" in page
    for hidden in (
        "UKL release",
        "Restore the previous release",
        "Secret reason",
        "CSS work overlaps",
        "Risk",
    ):
        assert hidden not in page, hidden
    assert 'id="actions"' not in page and "Record decision" not in page and "Add an update" not in page
    assert "Watch" in page
    # The provider and a CCG member read them.
    gas_page = _page(chg.client(chg.gas), chg.accepted)
    assert "UKL release" in gas_page and "CSS work overlaps" in gas_page
    assert "CSS work overlaps" in _page(chg.client(chg.provider), chg.accepted)  # a CCG member


def test_the_window_is_shown_in_uk_time(chg) -> None:
    page = _page(chg.client(chg.alpha), chg.accepted)
    # 01:00 UTC on a June Sunday is 02:00 in London.
    assert "Sun 27 Jun 2027, 02:00" in page and "05:00" in page


def test_the_notice_panel(chg) -> None:
    ChangeNotification.objects.filter(pk=chg.submitted.pk).update(
        notice_rule=chg.css_rule, notice_required=8, notice_given=5, is_late=True
    )
    page = _page(chg.client(chg.desk), chg.submitted)
    assert "REC R0055: planned CSS outages" in page and "REC change R0055" in page
    assert "8 working days" in page and "5 working days" in page and "LATE" in page
    assert "needs the CCG&#x27;s approval" in page or "needs the CCG's approval" in page
    ChangeNotification.objects.filter(pk=chg.submitted.pk).update(late_exception=True)
    assert "Accepted as an exception" in _page(chg.client(chg.desk), chg.submitted)
    assert "Measured against the notice rule when it is submitted" in _page(chg.client(chg.desk), chg.draft)


def test_forms_are_offered_as_permissions_allow(chg) -> None:
    desk = _page(chg.client(chg.desk), chg.submitted)
    assert "Record decision" in desk and "Take into review" in desk and "Ask for impact assessments" in desk
    provider = _page(chg.client(chg.provider), chg.submitted)
    assert "Record decision" not in provider and "Cancel the notification" in provider
    live = _page(chg.client(chg.provider), chg.live)
    assert "Record the failure" in live and "Completed" in live
    # The CCG member of another provider reads the review but acts on nothing.
    gas = _page(chg.client(chg.gas), chg.submitted)
    assert 'id="conflicts"' in gas and "Record decision" not in gas and "Cancel the notification" not in gas


def test_actions_refused_to_those_not_offered_them(chg) -> None:
    alpha = chg.client(chg.alpha)
    assert alpha.post(f"/changes/{chg.live.reference}/complete/", {}).status_code == 403
    assert alpha.post(f"/changes/{chg.accepted.reference}/update/", {"update-body": "hi"}).status_code == 403
    provider = chg.client(chg.provider)
    refused = provider.post(
        f"/changes/{chg.submitted.reference}/decide/", {"decide-outcome": "accept", "decide-reason": "ok"}
    )
    assert refused.status_code == 403
    assert ChangeNotification.objects.get(pk=chg.submitted.pk).status == ChangeStatus.SUBMITTED
    # Allowed to the provider, but not in this state: a 409 and nothing changes.
    wrong_state = provider.post(f"/changes/{chg.draft.reference}/complete/", {})
    assert wrong_state.status_code == 409
    assert provider.post(f"/changes/{chg.draft.reference}/nonsense/", {}).status_code == 404
    again = provider.get(f"/changes/{chg.draft.reference}/submit/")
    assert again.status_code == 302 and again["Location"] == f"/changes/{chg.draft.reference}/#do-submit"


def test_the_desk_decides_from_the_page(chg) -> None:
    desk = chg.client(chg.desk)
    url = f"/changes/{chg.submitted.reference}/decide/"
    missing = desk.post(url, {"decide-outcome": "accept_conditions", "decide-reason": "Fine"})
    assert missing.status_code == 422 and "Say what the conditions are" in missing.content.decode()
    assert ChangeNotification.objects.get(pk=chg.submitted.pk).status == ChangeStatus.SUBMITTED
    done = desk.post(url, {"decide-outcome": "accept", "decide-reason": "No clash with other work"})
    assert done.status_code == 302
    assert ChangeNotification.objects.get(pk=chg.submitted.pk).status == ChangeStatus.ACCEPTED
    page = _page(chg.client(chg.alpha), chg.submitted)  # published now
    assert "No clash with other work" in page and 'id="decisions"' in page


def test_the_provider_adds_an_internal_note_the_participants_do_not_read(chg) -> None:
    provider = chg.client(chg.provider)
    url = f"/changes/{chg.live.reference}/update/"
    assert (
        provider.post(url, {"update-body": "Half the rules loaded", "update-internal": "on"}).status_code
        == 302
    )
    assert provider.post(url, {"update-body": "Work is on schedule"}).status_code == 302
    assert "Half the rules loaded" in _page(provider, chg.live)
    alpha = _page(chg.client(chg.alpha), chg.live)
    assert "Work is on schedule" in alpha and "Half the rules loaded" not in alpha


def test_the_consulted_organisation_answers_on_the_page(chg) -> None:
    mine = Consultation.objects.create(
        change=chg.submitted, organisation=chg.world.org_a, deadline=dt.date(2099, 1, 1)
    )
    other = Consultation.objects.create(
        change=chg.submitted, organisation=chg.world.org_b, deadline=dt.date(2099, 1, 1)
    )
    alpha = chg.client(chg.alpha)
    page = _page(alpha, chg.submitted)  # consulted: it reads the change, and only its own consultation
    assert "Alpha Energy" in page and "Bravo Energy" not in page and "Send the assessment" in page
    url = f"/changes/{chg.submitted.reference}/consultations/{mine.pk}/respond/"
    bad = alpha.post(url, {f"respond-{mine.pk}-impact": "huge", f"respond-{mine.pk}-response": "Typed"})
    assert bad.status_code == 422 and "Typed" in bad.content.decode()
    sent = alpha.post(
        url,
        {
            f"respond-{mine.pk}-impact": "low",
            f"respond-{mine.pk}-response": "Our switching pauses for an hour",
        },
    )
    assert sent.status_code == 302
    mine.refresh_from_db()
    assert mine.responded_at is not None and mine.impact == "low"
    # Another organisation's consultation: not found; the desk reads both, but answers neither.
    assert (
        alpha.post(f"/changes/{chg.submitted.reference}/consultations/{other.pk}/respond/", {}).status_code
        == 404
    )
    desk_page = _page(chg.client(chg.desk), chg.submitted)
    assert "Bravo Energy" in desk_page and "Our switching pauses for an hour" in desk_page
    assert (
        chg.client(chg.desk)
        .post(f"/changes/{chg.submitted.reference}/consultations/{other.pk}/respond/", {})
        .status_code
        == 403
    )
    assert chg.client(chg.bravo).get(f"/changes/{chg.submitted.reference}/").status_code == 200


def test_decisions_history_and_pir_are_shown(chg) -> None:
    CcgDecision.objects.create(
        change=chg.done, outcome=CcgOutcome.ACCEPT, reason="Data-centre move agreed", decided_by=chg.ops
    )
    ChangeNotification.objects.filter(pk=chg.done.pk).update(
        pir_summary="Moved without loss", pir_successful=True, pir_completed_at=chg.done.planned_end
    )
    page = _page(chg.client(chg.bravo), chg.done)
    assert "Data-centre move agreed" in page and "Moved without loss" in page and "Successful" in page
    assert "Started" in page  # implementation times
    desk = _page(chg.client(chg.desk), chg.done)
    assert "Close as reviewed" in desk


def test_attachments_are_read_through_the_changes_visibility(chg) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from busbar.records.models import Attachment

    provider = chg.client(chg.provider)
    url = f"/changes/{chg.live.reference}/update/"
    public = SimpleUploadedFile("plan.txt", b"Step 1", content_type="text/plain")
    assert provider.post(url, {"update-body": "The plan", "update-attachments": public}).status_code == 302
    secret = SimpleUploadedFile("rules.txt", b"Firewall rules", content_type="text/plain")
    sent = provider.post(
        url, {"update-body": "The rules", "update-internal": "on", "update-attachments": secret}
    )
    assert sent.status_code == 302
    shown = Attachment.objects.get(filename="plan.txt")
    hidden = Attachment.objects.get(filename="rules.txt")
    alpha = chg.client(chg.alpha)
    download = alpha.get(f"/changes/{chg.live.reference}/attachments/{shown.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"Step 1"
    assert alpha.get(f"/changes/{chg.live.reference}/attachments/{hidden.pk}/").status_code == 404
    assert provider.get(f"/changes/{chg.live.reference}/attachments/{hidden.pk}/").status_code == 200
    assert "plan.txt" in _page(alpha, chg.live) and "rules.txt" not in _page(alpha, chg.live)
    assert (
        chg.client(chg.bravo).get(f"/changes/{chg.draft.reference}/attachments/{shown.pk}/").status_code
        == 404
    )


def test_the_desk_reschedules_an_accepted_change_in_uk_time(chg) -> None:
    desk = chg.client(chg.desk)
    url = f"/changes/{chg.accepted.reference}/reschedule/"
    page = _page(desk, chg.accepted)
    assert 'id="do-reschedule"' in page and 'value="2027-06-27T02:00"' in page  # the window, UK time
    bad = desk.post(
        url,
        {
            "reschedule-new_start": "2027-07-04T05:00",
            "reschedule-new_end": "2027-07-04T04:00",
            "reschedule-reason": "Clash",
        },
    )
    assert bad.status_code == 422 and "reschedule-new_end" in bad.content.decode()
    assert "The end must be after the start" in bad.content.decode()
    moved = desk.post(
        url,
        {
            "reschedule-new_start": "2027-07-04T02:00",
            "reschedule-new_end": "2027-07-04T05:00",
            "reschedule-reason": "Clashes with the CSS release",
        },
    )
    assert moved.status_code == 302
    change = ChangeNotification.objects.get(pk=chg.accepted.pk)
    assert change.planned_start == dt.datetime(2027, 7, 4, 1, 0, tzinfo=dt.UTC)
    assert change.status == ChangeStatus.ACCEPTED
    # Not for the provider.
    assert chg.client(chg.gas).post(url, {}).status_code == 403

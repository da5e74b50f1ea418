"""Consultation windows count working days (GV-51): 10 for impact assessment, then 5 of assurance, skipping
weekends, England & Wales bank holidays (Christmas, the Boxing Day substitute, New Year's Day) and the
programme calendar's closures; the programme's settings change the windows."""

from __future__ import annotations

import datetime as dt

from busbar.programmes.actions import changes as actions
from busbar.programmes.models import GovernanceSettings
from busbar.programmes.tests.conftest import actor_for
from busbar.services.models import Calendar, CalendarClosure

FRIDAY_BEFORE_CHRISTMAS = dt.datetime(2026, 12, 18, 16, 0, tzinfo=dt.UTC)


def _draft(gov):
    return actions.raise_cr(
        actor=actor_for(gov.alpha),
        programme=gov.programme,
        title="Christmas CR",
        description="Over the holidays",
    )


def test_the_windows_skip_christmas_boxing_day_and_new_year(gov) -> None:
    cr = actions.issue_for_assessment(
        actor=actor_for(gov.office), cr=_draft(gov), now=FRIDAY_BEFORE_CHRISTMAS
    )
    # 21–24 Dec (4), 25 Dec and the Boxing Day substitute 28 Dec skipped, 29–31 Dec (7), 1 Jan skipped,
    # 4–6 Jan (10); then 7, 8, 11, 12, 13 Jan.
    assert cr.issued_on == dt.date(2026, 12, 18)
    assert cr.ia_deadline == dt.date(2027, 1, 6)
    assert cr.assurance_deadline == dt.date(2027, 1, 13)
    page = gov.client(gov.bravo).get(f"/programmes/change-requests/{cr.reference}/").content.decode()
    assert "Wed 6 Jan 2027" in page and "(10 working days)" in page
    assert "Wed 13 Jan 2027" in page and "(5 further working days)" in page


def test_the_programme_settings_and_calendar_closures_count(gov) -> None:
    calendar = Calendar.objects.create(name="MHHS programme calendar")
    CalendarClosure.objects.create(calendar=calendar, date=dt.date(2027, 1, 5), reason="Programme shutdown")
    GovernanceSettings.objects.filter(programme=gov.programme).update(
        consultation_days=15, assurance_days=3, calendar=calendar
    )
    cr = actions.issue_for_assessment(
        actor=actor_for(gov.office), cr=_draft(gov), now=FRIDAY_BEFORE_CHRISTMAS
    )
    # 10 working days reach 6 Jan without the closure; with 5 Jan closed, the 10th is 7 Jan; 15th is 14 Jan.
    assert cr.ia_deadline == dt.date(2027, 1, 14)
    assert cr.assurance_deadline == dt.date(2027, 1, 19)


def test_defaults_without_settings_and_a_reissue_starts_a_new_window(gov) -> None:
    GovernanceSettings.objects.filter(programme=gov.programme).delete()
    office = actor_for(gov.office)
    cr = actions.issue_for_assessment(
        actor=office, cr=_draft(gov), now=dt.datetime(2027, 3, 24, 9, 0, tzinfo=dt.UTC)
    )
    # Easter 2027: Good Friday 26 March and Easter Monday 29 March are bank holidays.
    assert (cr.ia_deadline, cr.assurance_deadline) == (dt.date(2027, 4, 9), dt.date(2027, 4, 16))
    actions.close_responses(actor=office, cr=cr)
    again = actions.reissue_cr(actor=office, cr=cr, now=dt.datetime(2027, 4, 19, 9, 0, tzinfo=dt.UTC))
    assert (again.round, again.issued_on, again.ia_deadline, again.assurance_deadline) == (
        2,
        dt.date(2027, 4, 19),
        dt.date(2027, 5, 4),  # the early May bank holiday (3 May) skipped
        dt.date(2027, 5, 11),
    )

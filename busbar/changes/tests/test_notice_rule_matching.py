"""Which notice rule applies to a change: the most specific active rule (service and type, service,
provider and type, provider, default), type and outage-only rules only where they fit, and none at all for
emergency changes."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.changes import notice
from busbar.changes.models import ChangeService, ChangeType, NoticeRule
from busbar.changes.tests.conftest import NOW

pytestmark = pytest.mark.django_db


def _rule(chg, name, days, **where) -> NoticeRule:
    return NoticeRule.objects.create(name=name, min_working_days=days, calendar=chg.working, **where)


def test_the_css_outage_rule_applies_to_an_outage_on_css(chg) -> None:
    assert notice.rule_for(chg.draft) == chg.css_rule


def test_an_outage_only_rule_skips_a_change_without_an_outage(chg) -> None:
    chg.draft.is_outage = False
    assert notice.rule_for(chg.draft) == chg.default_rule


def test_service_and_type_beats_service(chg) -> None:
    normal = _rule(chg, "CSS normal changes", 10, service=chg.css, change_type=ChangeType.NORMAL)
    assert notice.rule_for(chg.draft) == normal
    chg.draft.change_type = ChangeType.MAJOR  # the typed rule is for normal changes only
    assert notice.rule_for(chg.draft) == chg.css_rule


def test_provider_rules_beat_the_default_and_lose_to_service_rules(chg) -> None:
    provider = _rule(chg, "CSS Provider", 6, provider=chg.world.provider)
    typed = _rule(chg, "CSS Provider normal", 7, provider=chg.world.provider, change_type=ChangeType.NORMAL)
    chg.draft.is_outage = False  # the CSS outage rule is out of the way
    assert notice.rule_for(chg.draft) == typed
    chg.draft.change_type = ChangeType.STANDARD
    assert notice.rule_for(chg.draft) == provider
    chg.draft.is_outage = True  # now the service rule applies, whatever the provider rules say
    assert notice.rule_for(chg.draft) == chg.css_rule


def test_rules_for_other_services_and_providers_do_not_apply(chg) -> None:
    _rule(chg, "Gas Portal", 20, service=chg.portal)
    _rule(chg, "Gas CDS", 20, provider=chg.gas_org)
    chg.draft.is_outage = False
    assert notice.rule_for(chg.draft) == chg.default_rule


def test_a_typed_default_beats_the_plain_default(chg) -> None:
    chg.draft.is_outage = False
    typed = _rule(chg, "All major changes", 12, change_type=ChangeType.MAJOR)
    assert notice.rule_for(chg.draft) == chg.default_rule
    chg.draft.change_type = ChangeType.MAJOR
    assert notice.rule_for(chg.draft) == typed


def test_an_outage_only_rule_beats_an_otherwise_equal_rule(chg) -> None:
    plain = _rule(chg, "CSS anything", 3, service=chg.css)
    assert notice.rule_for(chg.draft) == chg.css_rule
    chg.draft.is_outage = False
    assert notice.rule_for(chg.draft) == plain


def test_inactive_rules_are_ignored(chg) -> None:
    NoticeRule.objects.filter(pk=chg.css_rule.pk).update(is_active=False)
    assert notice.rule_for(chg.draft) == chg.default_rule
    NoticeRule.objects.update(is_active=False)
    assert notice.rule_for(chg.draft) is None
    assessed = notice.assess(chg.draft, at=NOW)
    assert (assessed.rule, assessed.required, assessed.given, assessed.is_late) == (None, None, None, False)


def test_of_two_services_with_rules_the_strictest_applies(chg) -> None:
    ChangeService.objects.create(
        change=chg.draft,
        service=chg.css_reg,
        planned_start=chg.draft.planned_start,
        planned_end=chg.draft.planned_end,
        status=chg.draft.status,
    )
    stricter = _rule(chg, "Registration outages", 9, service=chg.css_reg, outage_only=True)
    assert notice.rule_for(chg.draft) == stricter
    NoticeRule.objects.filter(pk=stricter.pk).update(min_working_days=7)
    assert notice.rule_for(chg.draft) == chg.css_rule


def test_emergency_changes_have_no_rule_and_are_never_late(chg) -> None:
    _rule(chg, "Emergency", 1, change_type=ChangeType.EMERGENCY)
    chg.draft.change_type = ChangeType.EMERGENCY
    assert notice.rule_for(chg.draft) is None
    assessed = notice.assess(chg.draft, at=NOW)
    assert assessed == notice.Notice(rule=None, required=None, given=None, is_late=False)


def test_assess_counts_the_notice_against_the_rule(chg) -> None:
    # Submitted Wed 16 Jun 2027 for Sun 20 Jun: Thu 17 and Fri 18 are working days (Sat 19 is not).
    assessed = notice.assess(chg.draft, at=NOW)
    assert (assessed.rule, assessed.required, assessed.given, assessed.is_late) == (chg.css_rule, 8, 2, True)
    # Submitted on Tue 1 Jun: 2, 3, 4, 7–11, 14–18 Jun are 13 working days (no bank holiday).
    early = notice.assess(chg.draft, at=dt.datetime(2027, 6, 1, 9, 0, tzinfo=dt.UTC))
    assert (early.given, early.is_late) == (13, False)
    # Exactly the rule's 8 days is on time: submitted Tue 8 Jun gives 9–11 and 14–18 Jun.
    on_time = notice.assess(chg.draft, at=dt.datetime(2027, 6, 8, 16, 0, tzinfo=dt.UTC))
    assert (on_time.given, on_time.is_late) == (8, False)
    # Submitted Wed 9 Jun: 10, 11 and 14–18 Jun, one short.
    one_short = notice.assess(chg.draft, at=dt.datetime(2027, 6, 9, 7, 0, tzinfo=dt.UTC))
    assert (one_short.given, one_short.is_late) == (7, True)

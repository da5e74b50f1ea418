"""The demo's results: six weeks of executions per participant (failures, blocked runs, retests, evidence),
the testing issues raised from them and played through their lives, and Kestrel's nightly JUnit import."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from busbar.testing.actions import executions as ex
from busbar.testing.actions import issues as iss
from busbar.testing.demo import data
from busbar.testing.demo import issues as story
from busbar.testing.demo.base import LONDON, Play
from busbar.testing.models import Result

PASSED, FAILED, BLOCKED = Result.PASSED, Result.FAILED, Result.BLOCKED


def applicable(p: Play) -> dict:
    by_role = {}
    for code, _i, _t, roles, _r, _m in data.SCENARIOS:
        for role in roles:
            by_role.setdefault(role, []).append(code)
    return by_role


LOG = (
    "{when} SIT run log: {org}, scenario {code}\n"
    "{when} sent message, sender reference S-{ref}-BUSBARDEMO-20260101-1\n"
    "{when} DIP acknowledgement received\n"
    "{when} result: {result}{extra}\n"
)


def _log(org: str, code: str, when: dt.datetime, result: str, extra: str = "") -> tuple[str, str, bytes]:
    text = LOG.format(
        when=when.isoformat(timespec="seconds"),
        org=org,
        code=code,
        ref=code[-2:] + "0",
        result=result,
        extra=f"\n{when.isoformat(timespec='seconds')} {extra}" if extra else "",
    )
    return (f"{code.lower()}-{when:%Y%m%d}-log.txt", "text/plain", text.encode())


def _if021(when: dt.datetime) -> tuple[str, str, bytes]:
    """The message file behind the first issue: the first periods of an IF-021 day with local-time ends."""
    day = (when - dt.timedelta(days=1)).date()
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=LONDON)
    periods = "".join(
        f'      <period sp="{midnight + dt.timedelta(minutes=30 * (n + 1)):%Y-%m-%dT%H:%M:%S%z}" '
        f'v="{0.120 + n * 0.011:.3f}" q="A"/>\n'
        for n in range(6)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!-- Data Generator output as sent by Meterwise (first 6 of 48 periods); local-time ends -->\n"
        '<if021 schemaVersion="demo">\n'
        '  <mpan core="1012345678901" distributor="10" gsp="_A"/>\n'
        f'  <settlementDay date="{day:%Y-%m-%d}" quantity="AI" periodDuration="30">\n'
        f"{periods}"
        "  </settlementDay>\n"
        "</if021>\n"
    )
    # Sent as text: the kernel's attachment check accepts text, not application/xml.
    return ("if021-1012345678901.xml", "text/plain", xml.encode())


def record_executions(p: Play) -> None:
    env_of = {slug: p.envs[env] for slug, _r, _c, env in data.SIT_PARTICIPANTS}
    cohort_of = {slug: cohort for slug, _r, cohort, _e in data.SIT_PARTICIPANTS}
    role_of = {slug: role for slug, role, _c, _e in data.SIT_PARTICIPANTS}
    issue_cells = {(i["org"], i["scenario"]) for i in story.ISSUES}
    by_role = applicable(p)
    last = (timezone.localdate() - p.start).days - 1
    for slug, part in p.parts.items():
        who, env = p.recorder(slug), env_of[slug]
        lo, hi, share = data.PACE_BY_ORG.get(slug) or data.PACE[cohort_of[slug] or 1]
        codes = by_role[role_of[slug]]
        for n, code in enumerate(codes):
            if (slug, code) in issue_cells:
                continue
            rnd = random.Random(f"{slug}:{code}")
            if rnd.random() > share:
                continue
            day = min(lo + int((hi - lo) * n / max(1, len(codes) - 1)) + rnd.randint(0, 2), last)
            roll = rnd.random()
            result = PASSED if roll < 0.8 else FAILED if roll < 0.9 else BLOCKED
            notes = {
                FAILED: "Response not received within the expected window",
                BLOCKED: "Blocked: SIT environment unavailable during the slot",
            }.get(result, "")
            first = _record(p, who, part, slug, code, result, day, env, notes, minutes=rnd.randint(0, 400))
            retest = day + rnd.randint(2, 6)
            if result != PASSED and retest <= last:
                _record(
                    p,
                    who,
                    part,
                    slug,
                    code,
                    PASSED,
                    retest,
                    env,
                    "Retest after the environment or data was put right",
                    retest_of=first,
                    minutes=rnd.randint(0, 400),
                )


def _record(
    p: Play, who, part, slug, code, result, day, env, notes="", retest_of=None, minutes=0, evidence=()
):
    return ex.record_execution(
        actor=who,
        participation=part,
        scenario=p.scenarios[code],
        result=result,
        script_version=p.version_on(code, day),
        environment=env,
        pairing=p.pairing_on(slug, day),
        executed_at=p.at(day, minutes),
        notes=notes,
        retest_of=retest_of,
        evidence=evidence,
    )


def play_issues(p: Play) -> None:
    env_of = {slug: p.envs[env] for slug, _r, _c, env in data.SIT_PARTICIPANTS}
    for spec in story.ISSUES:
        slug, code, day = spec["org"], spec["scenario"], spec["day"]
        part, env = p.parts[slug], env_of[slug]
        raiser = p.actor(spec["by"]) if spec["by"] != data.SI else p.si
        when = p.at(day, 60)
        files = [_log(p.org(slug).name, code, when, "FAILED", spec["summary"])]
        if spec.get("evidence") == "if021":
            files.append(_if021(when))
        failed = _record(
            p, raiser, part, slug, code, FAILED, day, env, spec["summary"], minutes=60, evidence=files
        )
        issue = iss.raise_issue(
            actor=raiser,
            phase=p.sit,
            summary=spec["summary"],
            description=spec["description"],
            execution=failed,
            now=when + dt.timedelta(minutes=30),
        )
        for index, (step_day, verb, email, args) in enumerate(spec["life"]):
            actor, now = p.actor(email), p.at(step_day, 120 + 20 * index)
            if verb == "triage":
                issue = iss.triage(
                    actor=actor,
                    issue=issue,
                    category=args["category"],
                    root_cause=args["root_cause"],
                    owner=p.org(args["owner"]),
                    reason=args["reason"],
                    now=now,
                )
            elif verb == "start_fix":
                issue = iss.start_fix(actor=actor, issue=issue, note=args.get("note", ""), now=now)
            elif verb == "ready":
                issue = iss.ready_for_retest(actor=actor, issue=issue, note=args.get("note", ""), now=now)
            elif verb == "retest":
                execution = _record(
                    p,
                    actor,
                    part,
                    slug,
                    code,
                    args["result"],
                    step_day,
                    env,
                    args.get("notes", f"Retest of {issue.reference}"),
                    retest_of=failed,
                    minutes=120 + 20 * index + 10,
                    evidence=[_log(p.org(slug).name, code, now, args["result"].upper())],
                )
                issue = iss.record_retest(
                    actor=actor, issue=issue, execution=execution, now=now + dt.timedelta(minutes=15)
                )
            elif verb == "escalate":
                issue = iss.escalate(
                    actor=actor, issue=issue, reason=args["reason"], impact=args.get("impact", ""), now=now
                )
            elif verb == "determine":
                issue = iss.determine(
                    actor=actor,
                    issue=issue,
                    outcome=args["outcome"],
                    reason=args["reason"],
                    workaround=args.get("workaround", ""),
                    now=now,
                )
            elif verb == "exclude":
                issue = iss.exclude(actor=actor, issue=issue, reason=args["reason"], now=now)
            elif verb == "accept":
                issue = iss.accept_with_workaround(
                    actor=actor, issue=issue, workaround=args["workaround"], reason=args["reason"], now=now
                )
            elif verb == "withdraw":
                issue = iss.withdraw(actor=actor, issue=issue, reason=args["reason"], now=now)
            elif verb == "update":
                iss.add_update(actor=actor, issue=issue, body=args["body"], now=now)
        if spec.get("pass_after"):
            _record(
                p,
                p.recorder(slug),
                part,
                slug,
                code,
                PASSED,
                spec["pass_after"],
                env,
                f"Passed ({issue.reference} {issue.get_status_display().lower()})",
                retest_of=failed,
                minutes=300,
            )


def import_nightly_junit(p: Play) -> dict:
    part = p.parts["kestrel"]
    codes = [c for c in applicable(p)["supplier"] if c not in story.JUNIT_SKIPS]
    cases = []
    for n, code in enumerate(codes):
        title = p.scenarios[code].title.replace("&", "and").replace("<", "").replace('"', "'")
        failure = story.JUNIT_FAILS.get(code)
        body = f'<failure message="{failure}">{failure}</failure>' if failure else ""
        cases.append(
            f'    <testcase classname="kestrel.sit.functional" name="{code} {title}" '
            f'time="{1.5 + n % 7 * 0.8:.1f}">{body}</testcase>'
        )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
        f'  <testsuite name="kestrel-sit-nightly" tests="{len(cases)}" '
        f'failures="{len(story.JUNIT_FAILS)}">\n' + "\n".join(cases) + "\n  </testsuite>\n</testsuites>\n"
    )
    noah = p.actor(data.NOAH)
    run = ex.create_run(
        actor=noah,
        participation=part,
        title="Nightly CI regression (Jenkins build 412)",
        environment=p.envs["SIT-A"],
        pairing=p.pairing_on("kestrel", 99),
    )
    return ex.import_junit(actor=noah, run=run, content=xml.encode())

"""The participants' side of the governance demo: readiness assessment RA5 answered by eight of them (and
scored by the programme party coordinator), the later assessments prepared as drafts, and three
subsidiary plans, one slipping past M14."""

from __future__ import annotations

import datetime as dt

from busbar.programmes.actions import plan as plan_actions
from busbar.programmes.actions import readiness as ready
from busbar.programmes.demo import data
from busbar.programmes.demo.base import Gov

PLAN_DATE = "{plan:"


def _value(g: Gov, value: str) -> str:
    """An answer's value; ``{plan:2024-04-15}`` is that plan date, moved like the plan."""
    if value.startswith(PLAN_DATE):
        return g.plan(dt.date.fromisoformat(value[len(PLAN_DATE) : -1])).isoformat()
    return value


def _evidence(slug: str, question, organisation: str, day: dt.date) -> tuple[str, str, bytes]:
    area = question.area.lower().replace(" ", "-")
    text = (
        f"{organisation}: evidence for RA5 Q{question.number} ({question.area})\n"
        f"Prepared {day:%d %b %Y} for the MHHS programme party coordinator.\n\n"
        f"{question.text}\n\nSee the attached summary; the full pack is on the collaboration base.\n"
    )
    return f"{slug}-ra5-q{question.number}-{area}.txt", "text/plain", text.encode()


def _questions(g: Gov, assessment, rows) -> list:
    return [
        ready.add_question(
            actor=g.actor(data.PPC),
            assessment=assessment,
            text=text,
            area=area,
            guidance=guidance,
            answer_kind=kind,
            evidence_required=evidence,
        )
        for area, text, kind, evidence, guidance in rows
    ]


def play_readiness(g: Gov) -> None:
    ppc = g.actor(data.PPC)
    code, name, opens, closes = data.RA5
    opens_on, closes_on = g.plan(opens), g.plan(closes)
    box: dict = {}

    def open_ra5() -> None:
        assessment = ready.create_assessment(
            actor=ppc,
            programme=g.programme,
            code=code,
            name=name,
            opens_on=opens_on,
            closes_on=closes_on,
            description=data.RA5_DESCRIPTION,
            milestone=g.milestones["M10"],
        )
        box["questions"] = _questions(g, assessment, data.RA5_QUESTIONS)
        box["ra"] = ready.open_assessment(actor=ppc, assessment=assessment, now=g.at(opens_on, 9))

    g.on(opens_on, 9, 0, open_ra5)
    for slug, author, submitted, when, rows, scores, overall in data.RA5_RESPONSES:

        def respond(slug=slug, author=author, submitted=submitted, when=when, rows=rows) -> None:
            who, organisation = g.actor(author), g.org(slug)
            questions = box["questions"]
            answers = {
                question: {"value": _value(g, value), "comment": comment}
                for question, (value, comment) in zip(questions, rows, strict=True)
            }
            files = (
                {
                    q: [_evidence(slug, q, organisation.name, g.day(when))]
                    for q in questions
                    if q.evidence_required
                }
                if submitted
                else None
            )
            response = ready.save_answers(
                actor=who,
                assessment=box["ra"],
                organisation=organisation,
                answers=answers,
                files=files,
                now=g.at(when, 11),
            )
            if submitted:
                response = ready.submit_response(actor=who, response=response, now=g.at(when, 11, 30))
            box[slug] = response

        g.on(when, 11, 0, respond)
        if scores or overall:
            g.on(
                -2,
                10,
                0,
                lambda slug=slug, scores=scores, overall=overall: ready.score_response(
                    actor=ppc,
                    response=box[slug],
                    scores={box["questions"][n - 1]: {"rag": rag, "note": note} for n, rag, note in scores},
                    overall_rag=overall[0] if overall else None,
                    overall_comment=overall[1] if overall else None,
                    now=g.at(-2, 10),
                ),
            )
    g.on(
        data.RA5_CHASE,
        9,
        0,
        lambda: ready.chase(actor=ppc, assessment=box["ra"], now=g.at(data.RA5_CHASE, 9)),
    )
    for later_code, later_name, later_opens, later_closes, milestone, rows in data.RA_LATER:

        def draft(
            later_code=later_code,
            later_name=later_name,
            later_opens=later_opens,
            later_closes=later_closes,
            milestone=milestone,
            rows=rows,
        ) -> None:
            assessment = ready.create_assessment(
                actor=ppc,
                programme=g.programme,
                code=later_code,
                name=later_name,
                opens_on=g.plan(later_opens),
                closes_on=g.plan(later_closes),
                milestone=g.milestones[milestone],
            )
            _questions(g, assessment, rows)

        g.on(-3, 15, 0, draft)


def play_subsidiary_plans(g: Gov) -> None:
    """Each participant keeps its own plan (GV-02); Kestrel's and Harbour's forecasts move later, Harbour's
    past M14."""
    for slug, email, name, milestones in data.SUBSIDIARY_PLANS:

        def make(slug=slug, email=email, name=name, milestones=milestones) -> None:
            who = g.actor(email)
            plan = plan_actions.create_subsidiary_plan(
                actor=who, programme=g.programme, organisation=g.org(slug), name=name, now=g.at(-20, 10)
            )
            for order, (title, code, planned, forecast, actual, rag, notes) in enumerate(milestones):
                made = plan_actions.add_party_milestone(
                    actor=who,
                    plan=plan,
                    name=title,
                    planned_date=g.plan(planned),
                    programme_milestone=g.milestones[code],
                    actual_date=g.plan(actual) if actual else None,
                    rag=rag if forecast is None else "green",
                    notes=notes if forecast is None else "",
                    order=order,
                    now=g.at(-20, 10, order),
                )
                if forecast is not None:
                    g.on(
                        -8,
                        11,
                        order,
                        lambda made=made, forecast=forecast, rag=rag, notes=notes, who=who: (
                            plan_actions.update_party_milestone(
                                actor=who,
                                milestone=made,
                                forecast_date=g.plan(forecast),
                                rag=rag,
                                notes=notes,
                                now=g.at(-8, 11),
                            )
                        ),
                    )

        g.on(-20, 10, 0, make)

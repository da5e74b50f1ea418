"""Triage fixtures: the incidents' ``catalogue``, and ``script_for`` defining a switched-on script through
the real actions: Q1 "Operational?" → (yes) Q2, (no) severity 2 + raise; Q2 "What do they see?" →
(timeout) the article + severity 3, (other) severity 3 + raise."""

from __future__ import annotations

from typing import Any

from busbar.incidents.tests.conftest import actor_for, catalogue, raise_for  # noqa: F401
from busbar.knowledge.tests.conftest import article_for
from busbar.triage import actions
from busbar.triage.actions import AnswerSpec, QuestionSpec
from busbar.triage.models import TriageScript


def script_for(
    world: Any, services: Any, *, active: bool = True, article: Any = None, **kw: Any
) -> TriageScript:
    article = article or article_for(world, services, title="Uploads time out")
    sev = services.severities
    script = actions.define_script(
        actor=actor_for(world.analyst),
        name=kw.pop("name", "CSS failures"),
        service=kw.pop("service", services.service),
        description="First-line checks",
        questions=[
            QuestionSpec(
                "up",
                "Is the service operational?",
                answers=[
                    AnswerSpec("Yes", next="see"),
                    AnswerSpec(
                        "No", severity=sev["2"], raise_to_provider=True, advice="Link the major incident"
                    ),
                ],
            ),
            QuestionSpec(
                "see",
                "What do they see?",
                answers=[
                    AnswerSpec(
                        "Upload timed out", article=article, severity=sev["3"], advice="Files of 400 rows"
                    ),
                    AnswerSpec("Something else", severity=sev["3"], raise_to_provider=True),
                ],
            ),
        ],
    )
    if active:
        actions.set_active(actor=actor_for(world.analyst), script=script, active=True)
    return TriageScript.objects.get(pk=script.pk)


def answers(script: TriageScript, *labels: str) -> list[int]:
    """The ids of the answers with these labels, in order along the script."""
    found = []
    for label in labels:
        found.append(script.questions.get(answers__label=label).answers.get(label=label).pk)
    return found

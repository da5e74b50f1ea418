"""Every change to readiness assessments (digest §5.2, GV-15, GV-16): the questionnaire and its window,
the participants' answers with evidence, submitting (which locks a response until the office returns
it), the programme office's scores and overall RAG, and chasing those who have not responded.

One transaction each, refused with :mod:`busbar.programmes.permissions`, status changes through
``ASSESSMENT_TRANSITIONS`` (409), one journal entry each, notices queued on commit (inbox and email, one
message per person). Who is asked to answer: :func:`busbar.programmes.heatmap.audience_ids`.

The actions live by area (:mod:`.assessments`: the questionnaire; :mod:`.answers`: answering, submitting,
returning; :mod:`.scoring`; :mod:`.chasing`; the notices they queue in :mod:`.notices`, what they share in
:mod:`._common`); they are all importable from here (``from busbar.programmes.actions import readiness``;
``readiness.save_answers(...)``). This module only re-exports: every public function of an actions
module must be an ``@action``.
"""

from busbar.programmes.actions.readiness._common import RAGS, NothingToSave
from busbar.programmes.actions.readiness.answers import (
    COMMENT_MAX,
    MAX_FILES_PER_ANSWER,
    MAX_FILES_PER_SAVE,
    REASON_MAX,
    TEXT_MAX,
    VALUE_MAX,
    YES_NO,
    remove_evidence,
    return_response,
    save_answers,
    submit_response,
)
from busbar.programmes.actions.readiness.assessments import (
    AREA_MAX,
    CODE_PATTERN,
    DESCRIPTION_MAX,
    EDITABLE,
    GUIDANCE_MAX,
    MAX_QUESTIONS,
    NAME_MAX,
    QUESTION_MAX,
    add_question,
    close_assessment,
    create_assessment,
    open_assessment,
    remove_question,
    update_assessment,
    update_question,
)
from busbar.programmes.actions.readiness.chasing import chase
from busbar.programmes.actions.readiness.notices import NOTICE_KIND, TITLES
from busbar.programmes.actions.readiness.scoring import (
    NOTE_MAX,
    OVERALL_COMMENT_MAX,
    rate_response,
    score_answer,
    score_response,
)

__all__ = [
    "AREA_MAX",
    "NothingToSave",
    "CODE_PATTERN",
    "COMMENT_MAX",
    "DESCRIPTION_MAX",
    "EDITABLE",
    "GUIDANCE_MAX",
    "MAX_FILES_PER_ANSWER",
    "MAX_FILES_PER_SAVE",
    "MAX_QUESTIONS",
    "NAME_MAX",
    "NOTE_MAX",
    "NOTICE_KIND",
    "OVERALL_COMMENT_MAX",
    "QUESTION_MAX",
    "RAGS",
    "REASON_MAX",
    "TEXT_MAX",
    "TITLES",
    "VALUE_MAX",
    "YES_NO",
    "add_question",
    "chase",
    "close_assessment",
    "create_assessment",
    "open_assessment",
    "rate_response",
    "remove_evidence",
    "remove_question",
    "return_response",
    "save_answers",
    "score_answer",
    "score_response",
    "submit_response",
    "update_assessment",
    "update_question",
]

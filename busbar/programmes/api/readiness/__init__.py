"""Programme governance API: readiness assessments (digest §5.2, GV-15, GV-16).

Every read starts from :mod:`busbar.programmes.queries` and :mod:`busbar.programmes.heatmap` (an
assessment or response the person may not read is a 404: another participant's response is); every
change goes through :mod:`busbar.programmes.actions.readiness`, refused there by
:mod:`busbar.programmes.permissions` (403), by the status table or the response window (409), or as bad
input (422).

One ``router``; its endpoints live by area (:mod:`.assessments`, :mod:`.progress`: the heat map and the
chase, :mod:`.responses`: answers, evidence, submitting, returning, scoring), the schemas in
:mod:`.schemas`, what they share in :mod:`._common`. Every name the former single module had is importable
from here.
"""

from ninja import Router

from busbar.programmes.api.operation_ids import keep_module_ids
from busbar.programmes.api.readiness._common import (
    CodePath,
    ProgrammePath,
)
from busbar.programmes.api.readiness.schemas import (
    GovAnswerIn,
    GovAnswerOut,
    GovAnswersIn,
    GovAssessmentDetail,
    GovAssessmentIn,
    GovAssessmentOut,
    GovAssessmentPatch,
    GovChaseIn,
    GovChaseOut,
    GovEvidenceOut,
    GovHeatCellOut,
    GovHeatCountOut,
    GovHeatmapOut,
    GovHeatRowOut,
    GovMyResponseOut,
    GovQuestionIn,
    GovQuestionOut,
    GovResponseOut,
    GovReturnIn,
    GovScoreIn,
    GovScoresIn,
    Kind,
    QuestionNumber,
    Score,
)

router = Router(tags=["Programmes: readiness"])

# The endpoints register themselves on ``router`` (imported after it exists), in the order the OpenAPI
# document has always listed them.
# isort: off
from busbar.programmes.api.readiness.assessments import (  # noqa: E402
    add_question,
    close_assessment,
    create_assessment,
    get_assessment,
    list_assessments,
    open_assessment,
    update_assessment,
)
from busbar.programmes.api.readiness.progress import (  # noqa: E402
    chase,
    get_heatmap,
)
from busbar.programmes.api.readiness.responses import (  # noqa: E402
    add_evidence,
    download_evidence,
    get_response,
    OrganisationPath,
    put_answers,
    return_response,
    score,
    submit,
)
# isort: on

# Each operation keeps the id it had when the readiness API was one module (clients name their calls by it).
keep_module_ids(router, "busbar.programmes.api.readiness")

__all__ = [
    "CodePath",
    "GovAnswerIn",
    "GovAnswerOut",
    "GovAnswersIn",
    "GovAssessmentDetail",
    "GovAssessmentIn",
    "GovAssessmentOut",
    "GovAssessmentPatch",
    "GovChaseIn",
    "GovChaseOut",
    "GovEvidenceOut",
    "GovHeatCellOut",
    "GovHeatCountOut",
    "GovHeatRowOut",
    "GovHeatmapOut",
    "GovMyResponseOut",
    "GovQuestionIn",
    "GovQuestionOut",
    "GovResponseOut",
    "GovReturnIn",
    "GovScoreIn",
    "GovScoresIn",
    "Kind",
    "OrganisationPath",
    "ProgrammePath",
    "QuestionNumber",
    "Score",
    "add_evidence",
    "add_question",
    "chase",
    "close_assessment",
    "create_assessment",
    "download_evidence",
    "get_assessment",
    "get_heatmap",
    "get_response",
    "list_assessments",
    "open_assessment",
    "put_answers",
    "return_response",
    "router",
    "score",
    "submit",
    "update_assessment",
]

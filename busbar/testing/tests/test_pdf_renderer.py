"""The one PDF renderer (busbar.lib.pdf, Typst): a real PDF of the completion report, text shown literally
(hostile markup in a summary cannot run), £ – ’ é in the embedded fonts, and clear errors."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from busbar.lib import pdf
from busbar.testing import completion
from busbar.testing.actions.reports import generate_report
from busbar.testing.models import Result
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.reports_fixtures import at, execute, make_issue

pytestmark = pytest.mark.django_db

HOSTILE = '#import "evil.typ": * ] [ *bold* $x$ #read("/etc/passwd") — £1,200 – don’t café'


def test_completion_report_is_a_real_pdf_showing_text_literally(prog):
    execute(prog.part_a, prog.scenarios[0], Result.PASSED, at(dt.date(2026, 9, 15)))
    make_issue(prog, "] #panic() [", category=1, status="triaged", participation=prog.part_a)
    report = generate_report(actor=actor_for(prog.si), phase=prog.phase, summary=HOSTILE, exceptions=HOSTILE)
    started = time.perf_counter()
    body = completion.render_pdf(report)
    elapsed = time.perf_counter() - started
    assert body.startswith(b"%PDF") and b"%%EOF" in body[-64:]
    assert elapsed < 5
    source = completion.TEMPLATE.read_text()
    data = completion.pdf_data(report)
    summary = pdf.query(source, data, "<summary>")
    assert summary[0]["text"] == HOSTILE
    headings = [
        h["body"].get("text") for h in pdf.query(source, data, "heading.where(level: 1, outlined: true)")
    ]
    assert headings == ["Scope", "Results", "Open issues", "Exceptions", "Gate criteria", "Evidence"]
    assert pdf.query(source, data, "<title>")[0]["child"]["text"] == report.title
    # The same report renders to the same bytes (an approved report's PDF never changes).
    assert completion.render_pdf(report) == body
    assert completion.pdf_filename(report) == "mhhs-sit-functional-completion-report-v1.pdf"


def test_renderer_fonts_errors_and_bounds():
    assert {"Libertinus Serif", "DejaVu Sans Mono"} <= set(pdf.embedded_fonts())
    body = pdf.render(
        '#let d = json(bytes(sys.inputs.data))\n#set text(font: "Libertinus Serif")\n#d.t', {"t": HOSTILE}
    )
    assert body.startswith(b"%PDF")
    with pytest.raises(pdf.PdfError, match="unclosed delimiter"):
        pdf.render("#let x = (", {})
    with pytest.raises(pdf.PdfError, match="file not found"):
        pdf.render('#read("/etc/passwd")', {})
    with pytest.raises(pdf.PdfError, match="may not import"):
        pdf.render('#import "@preview/cetz:0.2.0": *', {})
    with pytest.raises(pdf.PdfError, match="longer than"):
        pdf.render("x" * (pdf.MAX_TEMPLATE + 1), {})
    with pytest.raises(pdf.PdfError, match="JSON object"):
        pdf.render("x", ["not", "a", "dict"])  # type: ignore[arg-type]

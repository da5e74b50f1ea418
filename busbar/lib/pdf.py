"""The one PDF renderer of Busbar: Typst (the ``typst`` package, a compiled wheel: no system libraries).

:func:`render` compiles a Typst template with ``data``. The data never enters the markup: it is serialised
as JSON and handed to Typst as ``sys.inputs.data``; the template reads it with
``#let data = json(bytes(sys.inputs.data))`` and shows its strings as text, so a summary typed as
``#import "x"`` or ``]`` prints literally and cannot run.

Bounded: the template and the data have size limits, the compile has no file system (an empty temporary
root), no packages (a template importing ``"@preview/…"`` is refused: nothing is downloaded), no system
fonts (only the fonts the wheel embeds: Libertinus Serif, New Computer Modern, DejaVu Sans Mono, which
cover £, –, ’, é and the rest of Latin-1 and Latin Extended-A), and a fixed timestamp so the same input
gives the same bytes. Any failure is a :class:`PdfError` with Typst's message.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

#: Largest template source and data accepted (characters / bytes of JSON).
MAX_TEMPLATE = 200_000
MAX_DATA = 5_000_000
#: Largest PDF returned.
MAX_PDF = 50_000_000
_PACKAGE_IMPORT = re.compile(r"""["']@[a-z]+/""")
#: The fonts every template may name (embedded in the typst wheel).
FONTS = ("Libertinus Serif", "New Computer Modern", "DejaVu Sans Mono")


class PdfError(Exception):
    """The PDF could not be made: too big an input, or the template failed (Typst's message)."""

    def __init__(self, message: str, *, hints: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hints = hints or []


def to_json(data: dict[str, Any]) -> str:
    """``data`` as the JSON the template reads (dates and decimals as text)."""
    if not isinstance(data, dict):
        raise PdfError("The data of a PDF is a JSON object")
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    if len(text.encode()) > MAX_DATA:
        raise PdfError(f"The data is larger than {MAX_DATA:,} bytes")
    return text


def render(template_source: str, data: dict[str, Any], *, timestamp: dt.datetime | None = None) -> bytes:
    """The PDF of ``template_source`` (Typst markup) given ``data`` (read as ``sys.inputs.data``, JSON)."""
    import typst

    if len(template_source) > MAX_TEMPLATE:
        raise PdfError(f"The template is longer than {MAX_TEMPLATE:,} characters")
    if _PACKAGE_IMPORT.search(template_source):
        raise PdfError("PDF templates may not import Typst packages (nothing is downloaded)")
    payload = to_json(data)
    stamp = (timestamp or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="busbar-pdf-") as root:
        try:
            pdf = typst.compile(
                template_source.encode(),
                format="pdf",
                root=root,
                ignore_system_fonts=True,
                sys_inputs={"data": payload},
                package_path=root,
                package_cache_path=root,
                timestamp=stamp,
            )
        except typst.TypstError as exc:
            raise PdfError(f"The PDF template failed: {exc.message}", hints=list(exc.hints or [])) from exc
        except (RuntimeError, ValueError) as exc:
            raise PdfError(f"The PDF template failed: {exc}") from exc
    if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF"):
        raise PdfError("Typst returned no PDF")
    if len(pdf) > MAX_PDF:
        raise PdfError(f"The PDF is larger than {MAX_PDF:,} bytes")
    return pdf


def query(template_source: str, data: dict[str, Any], selector: str) -> list[dict[str, Any]]:
    """The elements of the compiled document that ``selector`` picks (e.g. ``"<summary>"``, ``"heading"``),
    as Typst describes them: for checking what a template shows (text and structure) without a PDF
    reader."""
    import typst

    if _PACKAGE_IMPORT.search(template_source):
        raise PdfError("PDF templates may not import Typst packages (nothing is downloaded)")
    with tempfile.TemporaryDirectory(prefix="busbar-pdf-") as root:
        try:
            found = typst.query(
                template_source.encode(),
                selector,
                format="json",
                root=root,
                ignore_system_fonts=True,
                sys_inputs={"data": to_json(data)},
                package_path=root,
                package_cache_path=root,
            )
        except typst.TypstError as exc:
            raise PdfError(f"The PDF template failed: {exc.message}") from exc
    return json.loads(found)


def embedded_fonts() -> list[str]:
    """The font families the renderer has (those embedded in the typst wheel)."""
    import typst

    return sorted(typst.Fonts(include_system_fonts=False, include_embedded_fonts=True).families())

"""Reading JUnit XML result files (what CI jobs write) into test cases, safely.

The file is parsed with defusedxml only, with DTDs forbidden: a document type declaration, an entity
declaration (the "billion laughs"), or a reference to an external entity is refused before anything is
expanded or fetched, like any XML that is not well formed, as an :class:`~busbar.lib.actions.ActionError`
(422) naming the line where the parser stopped. The file is bounded (:data:`MAX_BYTES`, :data:`MAX_CASES`).

**What a file may hold**: a ``<testsuites>`` root (suites may nest) or a single ``<testsuite>`` root; every
``<testcase>`` under it is one case, whatever the depth.

**Result of a case**: a ``<failure>`` or ``<error>`` child → failed; a ``<skipped>`` child → not run, or
blocked when its message or text contains the word "blocked" (e.g. ``<skipped message="Blocked by
TIS0000012"/>``); otherwise passed. ``time`` (seconds) becomes the duration in milliseconds (ignored when it
is not a number). The failure's message and text, and ``<system-out>``/``<system-err>``, become the notes,
cut to :data:`MAX_NOTES` characters.

**Which scenario a case is** (:func:`scenario_code_of`), compared without regard to case:

1. the case's ``name`` is exactly a scenario code (``name="SIT-F-001"``);
2. else its ``classname`` is exactly a scenario code, or the last dotted part of it is
   (``classname="suite.SIT-F-001"``);
3. else the ``name`` starts with a scenario code followed by a space, colon, comma or bracket
   (``name="SIT-F-001 registration update"``, ``name="SIT-F-001: update"``, ``name="[SIT-F-001] update"``).

A case naming no scenario of the run's phase is reported as unmatched; it does not stop the import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from busbar.lib.actions import ActionError

#: The largest JUnit file taken (bytes).
MAX_BYTES = 20 * 1024 * 1024
#: The most test cases one file may hold.
MAX_CASES = 50_000
#: Notes kept from one case's failure text and output (characters).
MAX_NOTES = 4_000
#: Largest duration kept (ms; about 24 days).
MAX_DURATION_MS = 2**31 - 1

FAILED, PASSED, BLOCKED, NOT_RUN = "failed", "passed", "blocked", "not_run"


@dataclass
class Case:
    name: str
    classname: str
    result: str
    duration_ms: int | None
    notes: str

    @property
    def external_id(self) -> str:
        return (f"{self.classname}.{self.name}" if self.classname else self.name)[:300]


def _tag(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _duration(value: str | None) -> int | None:
    if not value:
        return None
    try:
        seconds = float(value.replace(",", ""))
    except ValueError:
        return None
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return min(int(round(seconds * 1000)), MAX_DURATION_MS) if seconds < 1e10 else MAX_DURATION_MS


def _bounded(parts: list[str]) -> str:
    text = "\n".join(p.strip() for p in parts if p and p.strip()).replace("\x00", "")
    return text if len(text) <= MAX_NOTES else text[: MAX_NOTES - 1] + "…"


def _case(element) -> Case:
    result = PASSED
    notes: list[str] = []
    for child in element:
        tag = _tag(child)
        if tag in ("failure", "error"):
            result = FAILED
            notes += [child.get("message", ""), child.text or ""]
        elif tag == "skipped":
            message = " ".join([child.get("message", ""), child.text or ""])
            if result != FAILED:
                result = BLOCKED if re.search(r"\bblocked\b", message, re.IGNORECASE) else NOT_RUN
            notes.append(message)
        elif tag in ("system-out", "system-err"):
            notes.append(child.text or "")
    return Case(
        name=(element.get("name") or "").strip()[:500],
        classname=(element.get("classname") or "").strip()[:500],
        result=result,
        duration_ms=_duration(element.get("time")),
        notes=_bounded(notes),
    )


def parse(content: bytes) -> list[Case]:
    """The test cases of a JUnit XML file, or an :class:`ActionError` (field ``file``) saying why not."""
    if len(content) > MAX_BYTES:
        raise ActionError(f"The file is {len(content):,} bytes; the limit is {MAX_BYTES:,}", field="file")
    if not content.strip():
        raise ActionError("The file is empty", field="file")
    parser = DefusedXMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(content)
        root = parser.close()
    except DefusedXmlException as exc:
        line = getattr(parser.parser, "CurrentLineNumber", None)
        where = f" (line {line})" if line else ""
        kind = type(exc).__name__.replace("Forbidden", "").lower() or "construct"
        raise ActionError(
            f"The XML is refused{where}: it declares a {kind} (DTDs, entities and external references are "
            "not accepted)",
            field="file",
        ) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        where = f" at line {line}" if line else ""
        raise ActionError(f"The XML is not well formed{where}: {exc}"[:300], field="file") from None
    except (ValueError, LookupError, RecursionError) as exc:  # e.g. an unknown encoding
        raise ActionError(f"The XML could not be read: {exc}"[:300], field="file") from None
    if _tag(root) not in ("testsuites", "testsuite"):
        raise ActionError(
            f"Not a JUnit file: the root element is <{_tag(root)[:40]}>, not <testsuites> or <testsuite>",
            field="file",
        )
    cases = []
    for element in root.iter():
        if _tag(element) != "testcase":
            continue
        if len(cases) == MAX_CASES:
            raise ActionError(f"The file holds more than {MAX_CASES:,} test cases", field="file")
        cases.append(_case(element))
    return cases


_LEADING = re.compile(r"^\[?\s*([^\s:,\[\]()]+)\s*(?:[\s:,\])(]|$)")


def scenario_code_of(case: Case, codes: dict[str, object]) -> str | None:
    """The key in ``codes`` (upper-case scenario codes) that ``case`` names, by the rules above, or None."""
    name, classname = case.name.upper(), case.classname.upper()
    if name in codes:
        return name
    if classname:
        if classname in codes:
            return classname
        last = classname.rsplit(".", 1)[-1]
        if last in codes:
            return last
    match = _LEADING.match(name)
    if match:
        token = match.group(1).rstrip(".-_")
        if token in codes:
            return token
    return None

"""Inbound and outbound mail logic for threading provider replies onto incidents.

Providers without portal access receive incident mail and answer it by email. This module holds the pure,
Django-free part of that loop so it can be tested on raw RFC 822 bytes:

* :func:`incident_message_id` and :func:`subject_tag` build the ``Message-ID`` and subject tag put on
  outbound mail, so a reply carries the incident reference back in ``In-Reply-To``/``References``.
* :func:`parse_message` turns raw bytes into a :class:`ParsedMessage`: decoded headers, the body as plain
  text, the new part of the reply with quoted history removed, attachments (size-limited) and an
  auto-reply flag so out-of-office answers never reopen or spam an incident.
* :func:`find_reference` works out which incident a parsed reply belongs to, trusting our own message
  IDs first and never looking at the body, where quoted or forwarded text names other incidents.

Inbound mail is hostile input: every decoding step degrades (replacement characters, raw header text,
generated names) instead of raising, and :class:`MailParseError` is the only exception
:func:`parse_message` raises.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from functools import lru_cache
from html import unescape as unescape_html
from html.parser import HTMLParser
from typing import cast

__all__ = [
    "DEFAULT_REFERENCE_PATTERN",
    "Attachment",
    "MailParseError",
    "ParsedMessage",
    "RejectedAttachment",
    "extract_reply",
    "find_reference",
    "html_to_text",
    "incident_message_id",
    "parse_message",
    "subject_tag",
]

DEFAULT_REFERENCE_PATTERN = r"INC\d{7}"
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class MailParseError(ValueError):
    """The input is not an RFC 822 message at all (empty, or no header fields)."""


@dataclass(frozen=True)
class Attachment:
    """One attachment or inline part, decoded from its transfer encoding."""

    filename: str
    content_type: str
    content: bytes
    # Inline parts (typically images referenced from the HTML body by ``cid:``) are kept so the desk can
    # show them, but callers may want to list them separately from real attachments.
    inline: bool = False
    content_id: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class RejectedAttachment:
    """An attachment that was not loaded, and why (so the desk can tell the sender)."""

    filename: str
    content_type: str
    size: int
    reason: str


@dataclass(frozen=True)
class ParsedMessage:
    """The parts of an inbound message the incidents app needs, all decoded to ``str``.

    Message IDs keep their angle brackets (``<id@host>``), the same form :func:`incident_message_id`
    produces. Addresses are lower-cased addr-specs. Absent single-valued headers are ``None``. Every
    field has a default so tests and callers can build one by hand (e.g. to exercise find_reference).
    """

    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    from_address: str | None = None
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    reply_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    rejected_attachments: list[RejectedAttachment] = field(default_factory=list)
    is_auto_reply: bool = False
    # True when some body text could not be decoded with its declared charset and replacement
    # characters (or a UTF-8 guess) were used, so the desk can warn that the text may be garbled.
    charset_fallback: bool = False


# --------------------------------------------------------------------------------------------------
# Outbound helpers
# --------------------------------------------------------------------------------------------------

# Restricting the pieces to these characters keeps the ID a valid RFC 5322 dot-atom and stops header
# injection; it also makes the ID unambiguous to parse back in find_reference.
_ID_PART_RE = re.compile(r"[A-Za-z0-9_-]+")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def incident_message_id(reference: str, token: str, domain: str) -> str:
    """Return the ``Message-ID`` for outbound mail about ``reference``, e.g. ``<INC0001234.tok@host>``.

    ``token`` should be unique per message (e.g. ``secrets.token_hex(8)``) so every outbound message has
    a distinct ID while the reference stays recoverable from any reply that quotes it.
    """
    if not _ID_PART_RE.fullmatch(reference):
        raise ValueError(f"reference must be letters, digits, '_' or '-': {reference!r}")
    if not _ID_PART_RE.fullmatch(token):
        raise ValueError(f"token must be letters, digits, '_' or '-': {token!r}")
    if not _DOMAIN_RE.fullmatch(domain):
        raise ValueError(f"not a valid domain for a Message-ID: {domain!r}")
    return f"<{reference}.{token}@{domain}>"


def subject_tag(reference: str) -> str:
    """Return the subject tag for ``reference``, e.g. ``[INC0001234]``."""
    if not _ID_PART_RE.fullmatch(reference):
        raise ValueError(f"reference must be letters, digits, '_' or '-': {reference!r}")
    return f"[{reference}]"


# --------------------------------------------------------------------------------------------------
# Reference lookup
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _reference_regexes(pattern: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    # The lookarounds stop INC0001234 matching inside INC00012345 or XINC0001234.
    return (
        re.compile(rf"({pattern})\.[^@]+"),
        re.compile(rf"\[\s*({pattern})\s*\]"),
        re.compile(rf"(?<![A-Za-z0-9])({pattern})(?![A-Za-z0-9])"),
    )


def find_reference(
    msg: ParsedMessage, *, domain: str, pattern: str = DEFAULT_REFERENCE_PATTERN
) -> str | None:
    """Return the incident reference ``msg`` replies to, or ``None``.

    Sources, most trusted first: our own message IDs (made by :func:`incident_message_id` for
    ``domain``) in ``In-Reply-To`` then ``References`` (newest first); the subject tag ``[REF]``; a bare
    reference in the subject. The body is never used: quoted and forwarded text routinely names other
    incidents and would mis-thread the reply.
    """
    id_re, tag_re, bare_re = _reference_regexes(pattern)
    domain = domain.lower()
    candidates = ([msg.in_reply_to] if msg.in_reply_to else []) + list(reversed(msg.references))
    for message_id in candidates:
        local, at, host = message_id.strip("<>").rpartition("@")
        if at and host.lower() == domain:
            match = id_re.fullmatch(local)
            if match:
                return match.group(1)
    for regex in (tag_re, bare_re):
        match = regex.search(msg.subject)
        if match:
            return match.group(1)
    return None


# --------------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------------

_SURROGATES_RE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    """Make ``text`` safe to store: no lone surrogates (unencodable) and no NULs (PostgreSQL rejects)."""
    if _SURROGATES_RE.search(text):
        # The email package smuggles undecodable bytes through as surrogate escapes; they are usually
        # raw UTF-8 (RFC 6532 headers, unlabelled bodies), so try that before giving up on them.
        try:
            text = text.encode("utf-8", "surrogateescape").decode("utf-8")
        except UnicodeError:
            text = _SURROGATES_RE.sub("\ufffd", text)
    return text.replace("\x00", "")


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _tidy_lines(text: str) -> str:
    """Strip trailing spaces, collapse runs of blank lines and trim; keep ``-- `` signature lines."""
    lines = [line if line == "-- " else line.rstrip() for line in _normalise_newlines(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _unflow(text: str, *, delsp: bool) -> str:
    """Join RFC 3676 ``format=flowed`` soft line breaks so quote and signature detection see real lines."""
    out: list[str] = []
    buffer: str | None = None
    buffer_depth = 0

    def flush() -> None:
        nonlocal buffer
        if buffer is not None:
            out.append((">" * buffer_depth + " " if buffer_depth else "") + buffer)
            buffer = None

    for line in text.split("\n"):
        stripped = line.lstrip(">")
        depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]  # space-stuffing (or the conventional space after '>')
        if buffer is not None and depth != buffer_depth:
            flush()
        buffer = stripped if buffer is None else buffer + stripped
        buffer_depth = depth
        if stripped.endswith(" ") and stripped != "-- ":
            if delsp:
                buffer = buffer[:-1]
            continue
        flush()
    flush()
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------
# HTML to text
# --------------------------------------------------------------------------------------------------

_SKIP_TAGS = frozenset({"script", "style", "title", "template", "xml"})
_LINE_TAGS = frozenset(
    {
        "div", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "section", "article", "header", "footer",
        "address", "center", "form", "fieldset", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
        "blockquote", "caption", "figure", "figcaption", "main", "nav", "aside",
    }
)  # fmt: skip
_PARAGRAPH_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "pre"})
_HTML_SPACE_RE = re.compile(r"[ \t\n\r\f]+")


class _TextExtractor(HTMLParser):
    """Render HTML as readable plain text; ``<blockquote>`` becomes ``> `` quoting like a mail client."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._at_line_start = True
        self._skip_depth = 0
        self._pre_depth = 0
        self._quote_depth = 0
        self._lists: list[tuple[str, int]] = []  # (tag, items so far) per open <ul>/<ol>
        self._line_paragraph = False
        self._paragraph_mark = 0

    # -- output primitives --------------------------------------------------------------------------
    def _hard_break(self) -> None:
        if self._at_line_start and self._quote_depth:
            # An empty line inside a quote is still quoted text (as a mail client would write it).
            self.out.append(("> " * self._quote_depth).rstrip())
        self.out.append("\n")
        self._at_line_start = True

    def _line_break(self) -> None:
        if not self._at_line_start:
            self._hard_break()

    def _paragraph_break(self) -> None:
        self._line_break()
        if self.out and not (len(self.out) >= 2 and self.out[-1] == "\n" and self.out[-2] == "\n"):
            self._hard_break()

    def _write(self, text: str) -> None:
        for index, piece in enumerate(text.split("\n")):
            if index:
                self._hard_break()
            if self._at_line_start and not self._pre_depth:
                piece = piece.lstrip(" ")
            if not piece:
                continue
            if self._at_line_start:
                if self._quote_depth:
                    self.out.append("> " * self._quote_depth)
            elif self.out and self.out[-1].endswith(" ") and piece.startswith(" "):
                piece = piece.lstrip(" ")
                if not piece:
                    continue
            self.out.append(piece)
            self._at_line_start = False

    # -- parser callbacks ---------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
            return
        if tag == "p":
            # Word/Outlook write every line as <p class=MsoNormal> with zero margins; rendering those as
            # paragraphs would double-space the whole message (its blank lines are &nbsp; paragraphs).
            classes = next((value or "" for name, value in attrs if name == "class"), "").split()
            self._line_paragraph = "MsoNormal" in classes
            if self._line_paragraph:
                self._line_break()
            else:
                self._paragraph_break()
            self._paragraph_mark = len(self.out)
        elif tag == "br":
            self._hard_break()
        elif tag in _PARAGRAPH_TAGS:
            self._paragraph_break()
        elif tag in _LINE_TAGS:
            self._line_break()
        elif tag in ("td", "th") and not self._at_line_start:
            self._write(" ")
        if tag == "pre":
            self._pre_depth += 1
        elif tag == "blockquote":
            self._quote_depth += 1
        elif tag in ("ul", "ol"):
            self._lists.append((tag, 0))
        elif tag == "li":
            if self._lists and self._lists[-1][0] == "ol":
                number = self._lists[-1][1] + 1
                self._lists[-1] = ("ol", number)
                self._write(f"{number}. ")
            else:
                self._write("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <script/> and friends have no content to skip; only the break behaviour matters.
        if tag not in _SKIP_TAGS:
            self.handle_starttag(tag, attrs)
            if tag in ("ul", "ol", "blockquote", "pre"):
                self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)
        elif tag == "blockquote":
            self._line_break()
            self._quote_depth = max(0, self._quote_depth - 1)
        elif tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        if tag == "p":
            if not self._line_paragraph:
                self._paragraph_break()
            elif all(piece == "\n" for piece in self.out[self._paragraph_mark :]):
                self._hard_break()  # an empty MsoNormal paragraph is Outlook's blank line
            else:
                self._line_break()
            self._line_paragraph = False
        elif tag in _PARAGRAPH_TAGS:
            self._paragraph_break()
        elif tag in _LINE_TAGS:
            self._line_break()

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if not self._pre_depth:
            data = _HTML_SPACE_RE.sub(" ", data)
        # Outlook pads with &nbsp; everywhere; as text it is just a space.
        self._write(data.replace("\xa0", " "))


def html_to_text(html: str) -> str:
    """Convert an HTML mail body to readable plain text.

    Tags are stripped, ``<script>``/``<style>``/``<title>`` content dropped, line breaks kept for
    ``<br>``, ``<p>``, ``<div>``, ``<li>`` and other block elements, list items prefixed ``- `` (or
    numbered), and ``<blockquote>`` content prefixed ``> `` so quoted history is recognisable.
    """
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
        text = "".join(extractor.out)
    except Exception:
        # html.parser is lenient, but a parser bug must not lose the whole body: strip tags crudely.
        text = unescape_html(re.sub(r"<[^>]*>", " ", html))
    return _tidy_lines(text)


# --------------------------------------------------------------------------------------------------
# Reply extraction
# --------------------------------------------------------------------------------------------------

_ATTRIBUTION_RE = re.compile(r"\s*On\s.*\swrote:\s*", re.DOTALL)
_MAX_ATTRIBUTION_CHARS = 400
_ORIGINAL_MESSAGE_RE = re.compile(r"\s*-{2,}\s*Original Message\s*-{2,}\s*", re.IGNORECASE)
# Outlook bolds the labels in HTML, which some converters render as *From:*.
_HEADER_LINE_RE = re.compile(r"\s*\*?(From|Sent|Date|To|Cc|Subject)\*?:", re.IGNORECASE)
_SEPARATOR_RE = re.compile(r"\s*(_{10,}|-{10,})\s*")


def _is_outlook_header_block(lines: list[str], index: int) -> bool:
    """True if ``lines[index]`` starts a ``From: / Sent: / To: / Subject:`` block of a quoted message."""
    first = _HEADER_LINE_RE.match(lines[index])
    if not first or first.group(1).lower() != "from":
        return False
    labels = {"from"}
    # Some HTML renders the whole block on one line ("From: x Sent: y To: z").
    labels.update(m.lower() for m in re.findall(r"\b(Sent|Date|To|Subject):", lines[index], re.IGNORECASE))
    for line in lines[index + 1 : index + 8]:
        match = _HEADER_LINE_RE.match(line)
        if match:
            labels.add(match.group(1).lower())
        elif line.strip():
            break  # the block is contiguous: a line of prose means this was not a header block
    return bool(labels & {"sent", "date"}) and bool(labels & {"to", "subject"})


def _attribution_span(lines: list[str], index: int) -> int:
    """Number of lines the ``On … wrote:`` attribution starting at ``index`` spans (0 if none)."""
    if not lines[index].lstrip().startswith("On "):
        return 0
    # Clients wrap long attributions ("On Mon, ... Busbar <\ndesk@...> wrote:") over 2-3 lines.
    for span in (1, 2, 3):
        chunk = lines[index : index + span]
        if len(chunk) < span or any(part.startswith(">") for part in chunk[1:]):
            return 0
        joined = " ".join(chunk)
        if len(joined) > _MAX_ATTRIBUTION_CHARS:
            return 0
        if _ATTRIBUTION_RE.fullmatch(joined):
            return span
    return 0


def _history_start(lines: list[str]) -> tuple[int, str] | None:
    """``(index, kind)`` of the first line of quoted history, or None if the text quotes nothing."""
    for index, line in enumerate(lines):
        if line.startswith(">"):
            continue
        if _ORIGINAL_MESSAGE_RE.fullmatch(line):
            return index, "original"
        if _attribution_span(lines, index):
            return index, "attribution"
        if _is_outlook_header_block(lines, index):
            # Cut at the separator rule Outlook puts above the block, if there is one.
            previous = index - 1
            while previous >= 0 and not lines[previous].strip():
                previous -= 1
            if previous >= 0 and _SEPARATOR_RE.fullmatch(lines[previous]):
                return previous, "headers"
            return index, "headers"
    return None


def _strip_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if line == "-- ":
            return lines[:index]
    return lines


def extract_reply(text: str) -> str:
    """Return the new part of a reply: ``text`` without quoted history or signature.

    Removes lines starting with ``>``; the ``On … wrote:`` attribution, an Outlook
    ``-----Original Message-----`` marker or ``From:/Sent:/To:/Subject:`` block and everything after
    them; and everything after a ``-- `` signature delimiter. If that leaves nothing (a bottom-posted
    reply under the attribution), only the quoted lines and attribution are removed instead, so the
    sender's words are never lost.
    """
    lines = _normalise_newlines(text).split("\n")
    history = _history_start(lines)
    head = lines if history is None else lines[: history[0]]
    reply = _tidy_lines("\n".join(_strip_signature([line for line in head if not line.startswith(">")])))
    if reply or history is None or history[1] != "attribution":
        # Outlook-style history is never bottom-posted under, so nothing above it means nothing new.
        return reply
    kept: list[str] = []
    index = 0
    while index < len(lines):
        if lines[index].startswith(">"):
            index += 1
            continue
        span = _attribution_span(lines, index)
        if not span:
            kept.append(lines[index])
        index += max(span, 1)
    return _tidy_lines("\n".join(_strip_signature(kept)))


# --------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------

# Fields RFC 5322/2045 define; at least one must be present for the bytes to count as a message. Any
# text line containing a colon would otherwise parse as a "header".
_KNOWN_HEADERS = frozenset(
    {
        "from", "sender", "reply-to", "to", "cc", "bcc", "date", "subject", "message-id", "in-reply-to",
        "references", "received", "return-path", "mime-version", "content-type", "delivered-to",
    }
)  # fmt: skip
_MSG_ID_RE = re.compile(r"<([^<>]+)>")
# The stdlib parser's cost grows with the square of multipart nesting depth (and it recurses once per
# level), so a small crafted message can burn seconds of CPU. Real mail uses a handful of containers.
_MAX_MULTIPART_CONTAINERS = 100
_BOUNDARY_PARAM_RE = re.compile(rb"boundary\s*=", re.IGNORECASE)
_NOT_BASE64_RE = re.compile(r"[^A-Za-z0-9+/]+")
_AUTO_SUBJECT_RE = re.compile(r"\s*(automatic reply:|out of office)", re.IGNORECASE)
# Outbound-only refolding would re-parse raw header text; leaving it alone keeps as_bytes() from failing.
_SERIALISE_POLICY = email.policy.default.clone(refold_source="none")
# A fixed table rather than the mimetypes module, whose answers depend on the host's /etc/mime.types.
_EXTENSIONS = {
    "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
    "image/bmp": ".bmp", "image/tiff": ".tif", "image/svg+xml": ".svg", "application/pdf": ".pdf",
    "application/zip": ".zip", "application/json": ".json", "application/xml": ".xml", "text/xml": ".xml",
    "application/msword": ".doc", "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "text/plain": ".txt", "text/html": ".html", "text/csv": ".csv", "text/calendar": ".ics",
    "message/rfc822": ".eml",
}  # fmt: skip


def _raw_header(msg: Message, name: str) -> str | None:
    """First raw value of ``name``, unfolded, without the header registry (which can choke on junk)."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return re.sub(r"\r?\n(?=[ \t])", "", str(value)).strip()
    return None


def _decoded_header(msg: Message, name: str) -> str | None:
    raw = _raw_header(msg, name)
    if raw is None:
        return None
    try:
        value = str(msg[name])
    except Exception:
        try:
            value = str(email.header.make_header(email.header.decode_header(raw)))
        except Exception:
            value = raw
    return _clean(" ".join(value.split()))


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """``(display_name, lower-cased addr_spec)`` pairs from every ``name`` header; junk entries dropped."""
    pairs: list[tuple[str, str]] = []
    try:
        for header in msg.get_all(name, []):
            for address in header.addresses:
                pairs.append((address.display_name, address.addr_spec))
    except Exception:
        raw_values = [v for k, v in msg.raw_items() if k.lower() == name.lower()]
        try:
            pairs = [(_decode_words(n), a) for n, a in email.utils.getaddresses([str(v) for v in raw_values])]
        except Exception:
            pairs = []
    result = []
    for display_name, addr_spec in pairs:
        addr_spec = _clean(addr_spec).strip().lower()
        if "@" in addr_spec and not any(c.isspace() for c in addr_spec):
            result.append((_clean(" ".join(display_name.split())), addr_spec))
    return result


def _decode_words(text: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(text)))
    except Exception:
        return text


def _message_ids(raw: str | None) -> list[str]:
    if not raw:
        return []
    ids: list[str] = []
    for match in _MSG_ID_RE.finditer(raw):
        # Folding can leave whitespace inside a long ID; it is never part of the ID itself.
        message_id = "<" + "".join(match.group(1).split()) + ">"
        if message_id != "<>" and message_id not in ids:
            ids.append(_clean(message_id))
    if not ids and raw.strip() and len(raw.split()) == 1:
        ids.append(_clean(f"<{raw.strip()}>"))  # some clients omit the angle brackets
    return ids


def _parse_date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    # "-0000" means "UTC, local zone unknown" (RFC 5322 3.3); the caller asked for aware datetimes.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _decode_bytes(payload: bytes, charset: str | None) -> tuple[str, bool]:
    """Decode body bytes; returns ``(text, fallback_used)``. Never raises on a bad or unknown charset."""
    attempts = [charset] if charset else []
    # Mislabelled mail is usually UTF-8 (declared us-ascii, or no charset at all), and a strict UTF-8
    # decode almost never succeeds by accident, so it is a safe second guess before replacement.
    attempts.append("utf-8")
    for attempt in attempts:
        try:
            text: str | None = payload.decode(attempt)
        except Exception:  # LookupError, UnicodeError, and odd codecs (idna, punycode) raise odd things
            text = None
        if text is not None:
            return text, attempt != (charset or "utf-8")
    try:
        return payload.decode(charset or "utf-8", errors="replace"), True
    except Exception:
        return payload.decode("utf-8", errors="replace"), True


def _part_charset(part: Message) -> str | None:
    try:
        charset = part.get_content_charset()
    except Exception:
        return None
    return charset or None


def _part_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    try:
        raw = part.get_payload()
    except Exception:
        return b""
    return raw.encode("ascii", "surrogateescape") if isinstance(raw, str) else b""


def _part_text(part: Message) -> tuple[str, bool]:
    text, fallback = _decode_bytes(_part_bytes(part), _part_charset(part))
    return _normalise_newlines(_clean(text)), fallback


def _plain_text(part: Message) -> tuple[str, bool]:
    text, fallback = _part_text(part)
    try:
        flowed = str(part.get_param("format", "")).lower() == "flowed"
        delsp = str(part.get_param("delsp", "")).lower() == "yes"
    except Exception:
        flowed = delsp = False
    if flowed:
        text = _unflow(text, delsp=delsp)
    return _tidy_lines(text), fallback


def _find_body(msg: EmailMessage, subtype: str) -> Message | None:
    try:
        return msg.get_body(preferencelist=(subtype,))
    except Exception:
        return None


def _leaf_parts(msg: Message) -> Iterator[Message]:
    """Leaf parts in document order; ``message/*`` parts count as leaves (a forwarded mail is one file)."""
    # Iterative rather than msg.walk() so hostile nesting depth cannot hit the recursion limit.
    stack: list[Message] = [msg]
    while stack:
        part = stack.pop()
        if _content_type(part).startswith("multipart/"):
            children = part.get_payload() if part.is_multipart() else None
            if isinstance(children, list):
                stack.extend(reversed(children))
            # A multipart without parts (missing boundary) holds no attachments; _build reads it as text.
            continue
        yield part


def _is_inline_text_body(part: Message) -> bool:
    """Plain or HTML text that is an alternative or continuation of the body, not an attachment."""
    if _content_type(part) not in ("text/plain", "text/html"):
        return False
    try:
        return part.get_content_disposition() != "attachment" and not part.get_filename()
    except Exception:
        return False


def _safe_filename(name: str) -> str:
    """Reduce a sender-supplied filename to a bare, printable name (no directories, no control chars)."""
    name = _clean(name)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if c.isprintable()).strip().strip(".")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 16 else name[:200]
    return name


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        # A Content-Type the header parser cannot cope with: treat the part as opaque data (RFC 2045 5.2
        # would say text/plain, but guessing text for unknown bytes is how binary ends up in a body).
        return "application/octet-stream"


def _encoded_size(part: Message) -> int | None:
    """Exact decoded size of a base64 part without decoding it, so oversized parts are never loaded."""
    if (_raw_header(part, "Content-Transfer-Encoding") or "").lower() != "base64":
        return None
    payload = part.get_payload()
    if not isinstance(payload, str):
        return None
    return len(_NOT_BASE64_RE.sub("", payload)) * 3 // 4


def _message_part_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list):
        chunks = []
        for sub in payload:
            try:
                chunks.append(sub.as_bytes(policy=_SERIALISE_POLICY))
            except Exception:
                chunks.append(_clean(str(sub)).encode("utf-8", "replace"))
        return b"".join(chunks)
    return _part_bytes(part)


def _collect_attachments(
    msg: EmailMessage, body_parts: tuple[Message | None, ...], limit: int
) -> tuple[list[Attachment], list[RejectedAttachment]]:
    attachments: list[Attachment] = []
    rejected: list[RejectedAttachment] = []
    generated = 0
    for part in _leaf_parts(msg):
        if any(part is body for body in body_parts) or _is_inline_text_body(part):
            continue
        content_type = _content_type(part)
        maintype = content_type.split("/")[0]
        try:
            filename = _safe_filename(part.get_filename() or "")
            disposition = part.get_content_disposition()
        except Exception:
            filename, disposition = "", None
        content_id = _message_ids(_raw_header(part, "Content-ID"))
        if not filename:
            generated += 1
            stem = "image" if maintype == "image" else "attachment"
            filename = f"{stem}-{generated}{_EXTENSIONS.get(content_type, '.bin')}"
        size = _encoded_size(part)
        content: bytes | None = None
        if size is None:
            content = _message_part_bytes(part) if maintype == "message" else _part_bytes(part)
            size = len(content)
        if size > limit:
            reason = f"attachment is {size} bytes, over the {limit}-byte limit"
            rejected.append(RejectedAttachment(filename, content_type, size, reason))
            continue
        attachments.append(
            Attachment(
                filename=filename,
                content_type=content_type,
                content=content if content is not None else _part_bytes(part),
                inline=disposition != "attachment" and (disposition == "inline" or bool(content_id)),
                content_id=content_id[0][1:-1] if content_id else None,
            )
        )
    return attachments, rejected


def _is_auto_reply(msg: Message, subject: str) -> bool:
    def header(name: str) -> str:
        return (_raw_header(msg, name) or "").strip().lower()

    auto_submitted = header("Auto-Submitted").split(";")[0].strip()
    if auto_submitted and auto_submitted != "no":
        return True
    if _raw_header(msg, "X-Autoreply") is not None or _raw_header(msg, "X-Autorespond") is not None:
        return True
    suppress = {token.strip() for token in header("X-Auto-Response-Suppress").split(",")}
    if suppress & {"all", "oof"}:
        return True
    if header("Precedence") in ("bulk", "auto_reply", "junk"):
        return True
    # Delivery status and read receipts are machine-generated too and must not be threaded as replies.
    if _content_type(msg) == "multipart/report":
        return True
    return bool(_AUTO_SUBJECT_RE.match(subject))


def parse_message(raw: bytes, *, max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES) -> ParsedMessage:
    """Parse raw RFC 822 bytes into a :class:`ParsedMessage`.

    Raises :class:`MailParseError` (and nothing else) if ``raw`` is not a mail message at all. Damaged
    but recognisable mail is parsed as far as possible: undecodable text gets replacement characters,
    unparseable dates become ``None`` and attachments over ``max_attachment_bytes`` are listed in
    ``rejected_attachments`` instead of being loaded.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError(f"parse_message expects bytes, not {type(raw).__name__}")
    raw = bytes(raw)
    if not raw.strip():
        raise MailParseError("empty input: not an RFC 822 message")
    containers = len(_BOUNDARY_PARAM_RE.findall(raw))
    if containers > _MAX_MULTIPART_CONTAINERS:
        raise MailParseError(
            f"{containers} multipart boundaries (limit {_MAX_MULTIPART_CONTAINERS}): refusing to parse"
        )
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # e.g. RecursionError on absurdly nested multiparts
        raise MailParseError(f"could not parse message structure: {exc!r}") from exc
    if not any(key.lower() in _KNOWN_HEADERS for key in msg):
        raise MailParseError("no RFC 822 header fields (From, Date, Subject, ...) found: not a mail message")
    try:
        # policy.default's message_factory is EmailMessage, which has get_body().
        return _build(cast(EmailMessage, msg), max_attachment_bytes)
    except MailParseError:
        raise
    except Exception as exc:
        # Every field is extracted defensively; this is the backstop that keeps the one-exception
        # contract if the email package trips over something nobody has seen yet.
        raise MailParseError(f"could not read message fields: {exc!r}") from exc


def _build(msg: EmailMessage, max_attachment_bytes: int) -> ParsedMessage:
    subject = _decoded_header(msg, "Subject") or ""
    senders = _addresses(msg, "From")
    from_name, from_address = senders[0] if senders else ("", None)

    plain_part = _find_body(msg, "plain")
    html_part = _find_body(msg, "html")
    text, charset_fallback = "", False
    if plain_part is not None:
        text, charset_fallback = _plain_text(plain_part)
    if not text and html_part is not None:
        # Also when the plain alternative is empty: some mobile clients send a blank text/plain part.
        html, charset_fallback = _part_text(html_part)
        text = html_to_text(html)
    elif plain_part is None and _content_type(msg).startswith("multipart/") and not msg.is_multipart():
        # Declared multipart but no boundary: the parser keeps the body as one string; show it as text.
        text, charset_fallback = _plain_text(msg)

    # Both alternatives are the body, never attachments (whichever one the text came from).
    attachments, rejected = _collect_attachments(msg, (plain_part, html_part), max_attachment_bytes)
    message_ids = _message_ids(_raw_header(msg, "Message-ID"))
    in_reply_to = _message_ids(_raw_header(msg, "In-Reply-To"))
    return ParsedMessage(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_message_ids(_raw_header(msg, "References")),
        from_address=from_address,
        from_name=from_name,
        to=[address for _, address in _addresses(msg, "To")],
        cc=[address for _, address in _addresses(msg, "Cc")],
        subject=subject,
        date=_parse_date(_raw_header(msg, "Date")),
        text=text,
        reply_text=extract_reply(text),
        attachments=attachments,
        rejected_attachments=rejected,
        is_auto_reply=_is_auto_reply(msg, subject),
        charset_fallback=charset_fallback,
    )


def render_email(template: str, context: dict) -> tuple[str, str]:
    """Subject and body of an email from a text template: the first line is the subject, the body starts
    after the first blank line."""
    from django.template.loader import render_to_string

    text = render_to_string(template, context).lstrip("\n")
    subject, _, body = text.partition("\n")
    return " ".join(subject.split()), body.strip("\n") + "\n"

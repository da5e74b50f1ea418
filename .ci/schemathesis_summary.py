"""Summarise one schemathesis NDJSON report (run by .ci/schemathesis.sh; standard library only).

usage: schemathesis_summary.py LABEL NDJSON_FILE DETAILS_MD [ST_EXIT_CODE]

Prints one line to stdout (the per-token summary) and writes DETAILS_MD with:
  * every distinct failure, grouped by check and operation, with the smallest reproducing request and
    the response's status and body excerpt;
  * operations whose *positive* (schema-valid, in schemathesis's reading) inputs were answered 422: not
    a failure of this run (the positive_data_acceptance check is off), shown so that a 422 for a value
    the schema admits stays visible;
  * statuses answered per operation, and statuses outside the documented ones that schemathesis did not
    check (e.g. a 400 to a deliberately malformed Content-Type, where only not_a_server_error runs).
"""

from __future__ import annotations

import base64
import collections
import json
import sys
from typing import Any

BODY_EXCERPT = 600
#: Statuses every operation documents (or its path-less/body-less variants do); others are reported.
USUAL = {401, 403, 404, 405, 409, 413, 415, 422, 429, 503}


def _decode(content: dict | None) -> str:
    if not content:
        return ""
    if "$base64" in content:
        raw = base64.b64decode(content["$base64"])
    else:
        raw = (content.get("string") or "").encode()
    return raw.decode("utf-8", "replace")


def _excerpt(text: str, limit: int = BODY_EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " …"


def _request_text(case: dict[str, Any], interaction: dict[str, Any] | None) -> str:
    """Method, concrete path, query, notable headers and body of a case, compactly."""
    req = (interaction or {}).get("request") or {}
    method = case.get("method") or req.get("method", "?")
    uri = req.get("uri") or case.get("path", "?")
    if "://" in uri:
        uri = "/" + uri.split("://", 1)[1].split("/", 1)[1]
    parts = [f"{method} {uri}"]
    headers = {
        k: v
        for k, v in (case.get("headers") or {}).items()
        if k.lower() not in ("authorization", "cookie", "user-agent")
    }
    ctype = (req.get("headers") or {}).get("Content-Type")
    if ctype:
        headers["Content-Type"] = ctype[0] if isinstance(ctype, list) else ctype
    if headers:
        parts.append("headers " + json.dumps(headers, ensure_ascii=False))
    if "body" in case:
        parts.append("body " + _excerpt(json.dumps(case["body"], ensure_ascii=False), 800))
    elif req.get("body"):
        parts.append("body(raw) " + _excerpt(_decode(req["body"]), 800))
    return " | ".join(parts)


def _scenario(case: dict[str, Any]) -> str:
    meta = case.get("meta") or {}
    phase = (meta.get("phase") or {}).get("name", "?")
    data = (meta.get("phase") or {}).get("data") or {}
    mode = (meta.get("generation") or {}).get("mode", "?")
    desc = data.get("description")
    return f"{phase}/{mode}" + (f" ({desc})" if desc else "")


def load(path: str) -> dict[str, Any]:
    failures: dict[tuple[str, str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    positive_422: dict[str, list[tuple[dict, dict]]] = collections.defaultdict(list)
    positive_total: collections.Counter = collections.Counter()
    unchecked_odd: dict[tuple[str, int], list[tuple[dict, dict]]] = collections.defaultdict(list)
    errors: list[str] = []
    cases_total = 0
    seed = None
    duration = None
    started = finished = None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            event = json.loads(line)
            kind, data = next(iter(event.items()))
            if kind == "Initialize":
                seed = data.get("seed")
            elif kind == "EngineStarted":
                started = data.get("timestamp")
            elif kind == "EngineFinished":
                finished = data.get("timestamp")
                duration = data.get("running_time")
            elif kind == "NonFatalError" or kind == "FatalError":
                errors.append(_excerpt(json.dumps(data, ensure_ascii=False), 800))
            elif kind == "ScenarioFinished":
                rec = data.get("recorder") or {}
                label = rec.get("label", "?")
                cases = rec.get("cases") or {}
                interactions = rec.get("interactions") or {}
                checks = rec.get("checks") or {}
                for cid, inter in interactions.items():
                    resp = inter.get("response")
                    case = (cases.get(cid) or {}).get("value") or {}
                    if not resp:
                        continue
                    cases_total += 1
                    status = resp["status_code"]
                    statuses[label][status] += 1
                    mode = ((case.get("meta") or {}).get("generation") or {}).get("mode")
                    if mode == "positive":
                        positive_total[label] += 1
                        if status == 422:
                            positive_422[label].append((case, inter))
                    names = {c["name"] for c in checks.get(cid, [])}
                    if "status_code_conformance" not in names and status >= 400 and status not in USUAL:
                        unchecked_odd[(label, status)].append((case, inter))
                for cid, results in checks.items():
                    for res in results:
                        if res.get("status") == "success":
                            continue
                        info = ((res.get("failure_info") or {}).get("failure")) or {}
                        title = info.get("title") or res["name"]
                        code = info.get("code") or ""
                        key = (res["name"], f"{code} {title}".strip(), label)
                        failures[key].append(
                            {
                                "message": info.get("message") or "",
                                "case": (cases.get(cid) or {}).get("value") or {},
                                "interaction": interactions.get(cid),
                            }
                        )
    if duration is None and started and finished:
        duration = finished - started
    return {
        "failures": failures,
        "statuses": statuses,
        "positive_422": positive_422,
        "positive_total": positive_total,
        "unchecked_odd": unchecked_odd,
        "errors": errors,
        "cases_total": cases_total,
        "seed": seed,
        "duration": duration,
    }


def _smallest(items: list[dict[str, Any]]) -> dict[str, Any]:
    return min(items, key=lambda f: len(_request_text(f["case"], f["interaction"])))


def write_details(label: str, r: dict[str, Any], out: str) -> None:
    lines = [f"# schemathesis: {label} token", ""]
    lines.append(
        f"{r['cases_total']} test cases, seed {r['seed']}, "
        f"{(r['duration'] or 0):.0f} s; {len(r['failures'])} distinct failures."
    )
    lines.append("")
    lines.append("## Failures (grouped by check and operation)")
    lines.append("")
    if not r["failures"]:
        lines.append("None.")
    for (check, title, op), items in sorted(r["failures"].items()):
        messages = collections.Counter(i["message"].split("\n\n")[0] for i in items)
        best = _smallest(items)
        resp = (best["interaction"] or {}).get("response") or {}
        lines.append(f"### {check} — {title} — `{op}` ({len(items)} case(s))")
        lines.append("")
        for msg, n in messages.most_common(5):
            lines.append(f"- {n}× {_excerpt(msg, 400)}")
        lines.append(f"- scenario: {_scenario(best['case'])}")
        lines.append(f"- request: `{_request_text(best['case'], best['interaction'])}`")
        lines.append(f"- response: {resp.get('status_code')} `{_excerpt(_decode(resp.get('content')), 400)}`")
        lines.append("")
    lines.append("## Positive (schema-valid) inputs answered 422 — informational, not gating")
    lines.append("")
    if not r["positive_422"]:
        lines.append("None.")
    for op, items in sorted(r["positive_422"].items(), key=lambda kv: -len(kv[1])):
        total = r["positive_total"][op]
        reasons: collections.Counter = collections.Counter()
        example: dict[str, tuple[dict, dict]] = {}
        for case, inter in items:
            try:
                body = json.loads(_decode(inter["response"].get("content")))
                errs = body.get("errors") or [{"field": None, "message": body.get("detail", "")}]
                reason = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in errs)
            except (ValueError, AttributeError, TypeError):
                reason = "(no problem body)"
            reason = _excerpt(reason, 200)
            reasons[reason] += 1
            example.setdefault(reason, (case, inter))
        lines.append(f"- `{op}`: {len(items)}/{total} positive cases got 422")
        for reason, n in reasons.most_common(3):
            case, inter = example[reason]
            lines.append(f"  - {n}× {reason} — e.g. `{_excerpt(_request_text(case, inter), 300)}`")
    lines.append("")
    if r["unchecked_odd"]:
        lines.append("## Unusual statuses where status conformance was not checked")
        lines.append("")
        for (op, status), items in sorted(r["unchecked_odd"].items()):
            case, inter = items[0]
            body = _excerpt(_decode(inter["response"].get("content")), 200)
            lines.append(
                f"- `{op}` → {status} ×{len(items)}, {_scenario(case)}: "
                f"`{_excerpt(_request_text(case, inter), 200)}` → `{body}`"
            )
        lines.append("")
    lines.append("## Statuses per operation")
    lines.append("")
    for op, counts in sorted(r["statuses"].items()):
        lines.append(f"- `{op}`: " + ", ".join(f"{s}×{n}" for s, n in sorted(counts.items())))
    if r["errors"]:
        lines.append("")
        lines.append("## Errors reported by schemathesis (not failures)")
        lines.append("")
        lines.extend(f"- {e}" for e in r["errors"])
    lines.append("")
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))


def main(argv: list[str]) -> int:
    label, path, out = argv[:3]
    exit_code = argv[3] if len(argv) > 3 else "?"
    r = load(path)
    write_details(label, r, out)
    server_errors = sum(n for c in r["statuses"].values() for s, n in c.items() if s >= 500)
    by_check = collections.Counter(check for (check, _t, _o) in r["failures"])
    positive_422 = sum(len(v) for v in r["positive_422"].values())
    verdict = "PASS" if exit_code == "0" else "FAIL"
    print(
        f"{verdict} {label}: {r['cases_total']} cases in {(r['duration'] or 0):.0f}s, "
        f"{len(r['failures'])} distinct failures"
        + (" (" + ", ".join(f"{c} {n}" for c, n in sorted(by_check.items())) + ")" if by_check else "")
        + f", {server_errors} 5xx responses, {positive_422} schema-valid inputs answered 422 (informational),"
        f" st exit {exit_code}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Take the README screenshots from a running Busbar with the demo data.

    BUSBAR_DATA_DIR=/tmp/shots .venv/bin/busbar serve --demo --port 8077 &
    BUSBAR_DATA_DIR=/tmp/shots .venv/bin/python docs/screenshots/take.py http://127.0.0.1:8077

Signs in through the real forms (the analyst also through the TOTP step, with the code that
`busbar totp analyst@operator.example` prints for the same BUSBAR_DATA_DIR) and writes 1280x800 PNGs next to
this script: login.png, participant-home.png, desk-home.png, organisation.png, problem.png,
incident-known-problem.png, events.png, raise-known-problem.png, invitations.png, knowledge-search.png,
article.png, article-compare.png, article-review.png, triage-run.png, incident-search.png, and the test
assurance ones (testing-*.png; ``--testing-only`` takes just those) and the programme-governance ones
(governance-*.png; ``--governance-only``), the change-co-ordination ones (changes-*.png;
``--changes-only``) and the service-level ones (slm-*.png; ``--reports-only``).

Uses Debian's Chromium (/usr/bin/chromium, or BUSBAR_CHROMIUM / --chromium), never `playwright install`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

HERE = Path(__file__).resolve().parent
DEMO_PASSWORD = "busbar-demo-2026"  # noqa: S105 - the published demo credential
PARTICIPANT = "supplier@brightwater.example"
ANALYST = "analyst@operator.example"
ORG_ADMIN = "admin@brightwater.example"
SI = "testmanager@si.example"
PROGRAMME_OFFICE = "pm@mhhs-pmo.example"
OPS = "opsmanager@operator.example"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]


def busbar_command() -> str:
    """The `busbar` entry point of this virtualenv, else the one on PATH."""
    beside = Path(sys.executable).with_name("busbar")
    return str(beside) if beside.exists() else (shutil.which("busbar") or "busbar")


def totp_code(email: str) -> str:
    out = subprocess.run([busbar_command(), "totp", email], capture_output=True, text=True, check=True).stdout
    codes = re.findall(r"\b\d{6}\b", out)
    if not codes:
        raise SystemExit(f"`busbar totp {email}` printed no six-digit code: {out!r}")
    return codes[-1]


def settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")  # htmx panels that load after the page


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def shoot(page: Page, out: Path, name: str) -> None:
    settle(page)
    path = out / name
    page.screenshot(path=str(path))
    print(f"{path}  ({page.url})")


def sign_in_with_code(page: Page, email: str, password: str, totp: str | None = None) -> None:
    sign_in(page, email, password)
    if "/accounts/2fa/authenticate/" not in page.url:
        raise SystemExit(f"expected the TOTP step after {email}'s password, got {page.url}")
    page.locator("input[name=code]").fill(totp or totp_code(email))
    page.get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
    page.wait_for_url(re.compile(r"/$"))


def take(browser: Browser, base_url: str, out: Path, password: str, totp: str | None) -> None:
    # 1. The login page, signed out.
    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    page.goto("/accounts/login/")
    shoot(page, out, "login.png")

    # 2. A participant's home page.
    sign_in(page, PARTICIPANT, password)
    page.wait_for_url(re.compile(r"/$"))
    shoot(page, out, "participant-home.png")
    ctx.close()

    # 3. The service-desk home, after the password and the TOTP step.
    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in_with_code(page, ANALYST, password, totp)
    shoot(page, out, "desk-home.png")

    # 4. An organisation page, as the analyst: the first organisation listed.
    page.goto("/organisations/")
    settle(page)
    hrefs = page.locator("main a[href^='/organisations/']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    detail = [h for h in hrefs if re.fullmatch(r"/organisations/\d+/", h)]
    if not detail:
        raise SystemExit(f"no organisation link on /organisations/ (links seen: {hrefs})")
    page.goto(detail[0])
    shoot(page, out, "organisation.png")

    # 5. The known problem on CSS registration, as the desk sees it.
    page.goto("/problems/?queue=known")
    settle(page)
    page.locator("main table a[href^='/problems/PRB']").first.click()
    page.wait_for_load_state()
    shoot(page, out, "problem.png")

    # 6. An open incident on that service, not linked yet: the desk links it to the known problem in one step.
    page.goto("/incidents/?queue=open&q=notifications")
    settle(page)
    page.locator("main table a[href^='/incidents/INC']").first.click()
    page.wait_for_load_state()
    page.locator(".suggestions").first.scroll_into_view_if_needed()
    shoot(page, out, "incident-known-problem.png")

    # 7. The monitoring events page: the demo storm of 1,000 critical events is one event and one incident.
    page.goto("/events/")
    shoot(page, out, "events.png")

    # 8. Incident search reads the updates too: "worker pool" is said only in a provider's update.
    page.goto("/incidents/?queue=all&q=worker+pool")
    settle(page)
    shoot(page, out, "incident-search.png")

    # 8b. The desk's list sorted by the SLA column, with saved filters, export and bulk actions.
    page.goto("/incidents/?queue=open&sort=sla_due")
    settle(page)
    shoot(page, out, "incident-list.png")

    # 8c. A conversation in Markdown with an @mention, and the canned responses on the reply form.
    page.goto("/incidents/?queue=all&q=worker+pool")
    settle(page)
    page.locator("main table a[href^='/incidents/INC']").first.click()
    page.wait_for_load_state()
    page.locator(".mention").first.scroll_into_view_if_needed()
    shoot(page, out, "incident-conversation.png")
    ctx.close()

    # 8d. A participant: the status board during the live major incident, and the notifications inbox.
    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, PARTICIPANT, password)
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/status/")
    settle(page)
    shoot(page, out, "status-board.png")
    page.goto("/inbox/")
    settle(page)
    shoot(page, out, "inbox.png")
    ctx.close()

    # 8e. The incident list on a phone (390 px): the menu button, and the SLA column kept.
    ctx = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    sign_in(page, PARTICIPANT, password)
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/incidents/?queue=all")
    settle(page)
    page.locator("main table").first.scroll_into_view_if_needed()
    shoot(page, out, "mobile-list.png")
    ctx.close()

    # 8. A participant raising an incident on CSS registration is shown the known problem at once.
    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, PARTICIPANT, password)
    page.goto("/incidents/new/")
    service = page.get_by_label("Service", exact=True)
    options = service.locator("option").all_inner_texts()
    css = next((o for o in options if "css registration" in o.lower()), None)
    if css is None:
        raise SystemExit(f"no CSS registration service to raise on (options: {options})")
    service.select_option(label=css)
    page.locator("#suggestions .suggestions").wait_for()
    page.get_by_label("Summary").press_sequentially("Bulk registration upload timed out", delay=15)
    page.locator("#suggestions").get_by_text("Knowledge articles that may answer it").wait_for()
    shoot(page, out, "raise-known-problem.png")

    # 10. The knowledge base, searched by a participant; an article for suppliers and shippers only.
    page.goto("/knowledge/?q=switch+rejected")
    shoot(page, out, "knowledge-search.png")
    page.locator("main .result h3 a").first.click()
    page.wait_for_load_state()
    shoot(page, out, "article.png")
    ctx.close()

    # 11. The desk: an article waiting for review, two versions compared, a triage script run on an incident.
    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in_with_code(page, ANALYST, password, totp)
    page.goto("/knowledge/?queue=review")
    settle(page)
    page.locator("main .result h3 a").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Publish it, or send it back").click()
    shoot(page, out, "article-review.png")
    page.goto("/knowledge/?q=two-factor")
    settle(page)
    page.locator("main .result h3 a").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="history").click()
    page.get_by_role("button", name="Compare the chosen versions").click()
    page.wait_for_load_state()
    shoot(page, out, "article-compare.png")
    page.goto("/incidents/?queue=open&q=Gaining")
    settle(page)
    page.locator("main table a[href^='/incidents/INC']").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="CSS registration failures").click()
    page.get_by_role("link", name="Yes, operational").click()
    page.get_by_role("link", name="A switch request rejected with a reason code").click()
    page.get_by_role("link", name="Yes", exact=True).click()
    page.get_by_role("button", name=re.compile(r"^Record on INC")).wait_for()
    shoot(page, out, "triage-run.png")
    ctx.close()

    # 9. An organisation administrator's page with pending invitations (accepting needs consent).
    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in_with_code(page, ORG_ADMIN, password)
    page.goto("/organisations/")
    page.locator("main a[href^='/organisations/']", has_text="Brightwater").first.click()
    page.wait_for_load_state()
    invitations = page.locator("#invitations")
    if invitations.count():
        invitations.scroll_into_view_if_needed()
    shoot(page, out, "invitations.png")
    ctx.close()


def take_testing(browser: Browser, base_url: str, out: Path, password: str) -> None:
    """Test assurance: the SI's view of SIT Functional, a participant's failed execution, an issue escalated
    to the design authority, the exit gate, the glide path and the completion report."""
    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, SI, password)
    page.goto("/testing/mhhs/sit-functional/")
    shoot(page, out, "testing-phase.png")
    page.goto("/testing/mhhs/sit-functional/rtm/")
    shoot(page, out, "testing-rtm.png")
    page.goto("/testing/mhhs/issues/board/")
    shoot(page, out, "testing-board.png")
    page.goto("/testing/mhhs/issues/?status=escalated_da")
    settle(page)
    page.locator("main table a[href^='/testing/issues/TIS']").first.click()
    page.wait_for_load_state()
    shoot(page, out, "testing-issue.png")
    page.goto("/testing/mhhs/sit-functional/gates/")
    settle(page)
    page.locator("main a[href^='/testing/gates/']", has_text="exit").first.click()
    page.wait_for_load_state()
    shoot(page, out, "testing-gate.png")
    page.goto("/testing/mhhs/sit-functional/progress/")
    settle(page)
    page.locator("#glide-h, h2:has-text('Glide path')").first.scroll_into_view_if_needed()
    shoot(page, out, "testing-glide-path.png")
    page.goto("/testing/mhhs/sit-functional/reports/")
    settle(page)
    page.locator("main a[href^='/testing/reports/']").first.click()
    page.wait_for_load_state()
    shoot(page, out, "testing-report.png")
    ctx.close()

    # A supplier's test lead sees only its own results.
    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, PARTICIPANT, password)
    page.goto("/testing/mhhs/sit-functional/executions/?result=failed")
    settle(page)
    page.locator("main table a[href^='/testing/executions/']").first.click()
    page.wait_for_load_state()
    shoot(page, out, "testing-execution.png")
    ctx.close()


def take_governance(browser: Browser, base_url: str, out: Path, password: str) -> None:
    """Programme governance: the programme office's dashboard, plan, RAID log, TMAG #20, a change request,
    a readiness heat map and the meeting pack; a participant's RAID log (public items and its own)."""
    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, PROGRAMME_OFFICE, password)
    for path, name, anchor in (
        ("/programmes/mhhs/", "governance-dashboard.png", ""),
        ("/programmes/mhhs/plan/", "governance-plan.png", ""),
        ("/programmes/mhhs/raid/", "governance-raid.png", ""),
        ("/programmes/mhhs/groups/TMAG/20/", "governance-meeting.png", ""),
        ("/programmes/change-requests/PCR0000002/", "governance-cr.png", "#milestones"),
        ("/programmes/mhhs/readiness/RA5/", "governance-readiness.png", "#heatmap-title"),
        ("/programmes/mhhs/groups/TMAG/20/pack/", "governance-pack.png", ""),
    ):
        page.goto(path)
        if anchor:
            settle(page)
            page.locator(anchor).first.evaluate("e => { e.scrollIntoView(); window.scrollBy(0, -20); }")
        shoot(page, out, name)
    ctx.close()

    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, PARTICIPANT, password)
    page.goto("/programmes/mhhs/raid/")
    shoot(page, out, "governance-participant-raid.png")
    ctx.close()


def take_changes(browser: Browser, base_url: str, out: Path, password: str, totp: str | None) -> None:
    """Change co-ordination (changes-*.png): the desk's view of the late CSS outage in conflict, the list,
    CCG #3 and the reports; the supplier's schedule of change, subscriptions, a service's availability and
    the status board."""

    def at(page: Page, path: str, name: str, anchor: str | None = None) -> None:
        page.goto(path)
        settle(page)
        if anchor:
            page.locator(anchor).first.scroll_into_view_if_needed()
        shoot(page, out, name)

    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in_with_code(page, ANALYST, password, totp)
    late = page.request.get("/api/v1/changes?late=true&status=open").json()["items"]
    reference = next(c["reference"] for c in late if c["status"] == "submitted")
    at(page, f"/changes/{reference}/", "changes-late-conflict.png", "h2:has-text('Conflicts')")
    at(page, "/changes/?status=open", "changes-list.png")
    page.goto("/changes/ccg/")
    page.get_by_role("link", name=re.compile(r"^CCG #\d+$")).first.click()
    shoot(page, out, "changes-ccg-meeting.png")
    at(page, "/changes/reports/", "changes-reports.png")
    ctx.close()

    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, PARTICIPANT, password)
    at(page, "/changes/schedule/", "changes-fsc.png", "text=Times are UK time")
    at(page, "/changes/subscriptions/", "changes-subscriptions.png")
    at(page, "/services/css-registration/", "changes-availability.png", "h2:has-text('Availability')")
    at(page, "/status/", "changes-status-board.png", "h2:has-text('Planned in the next 14 days')")
    ctx.close()


def take_reports(browser: Browser, base_url: str, out: Path, password: str) -> None:
    """Service level management (slm-*.png): the operations manager's KPIs for this month with a provider
    missing its OLA, a KPI's 13-month trend, the incidents behind a figure, a published monthly report,
    the SLAs and OLAs and the risk register; a provider's KPI return; a participant's end-to-end view."""

    def at(page: Page, path: str, name: str, anchor: str | None = None) -> None:
        page.goto(path)
        settle(page)
        if anchor:
            page.locator(anchor).first.scroll_into_view_if_needed()
        shoot(page, out, name)

    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in_with_code(page, OPS, password)
    at(page, "/kpis/", "slm-kpis.png", "#ola-misses-title")
    at(page, "/kpis/resolution_time/", "slm-kpi-trend.png", "h2:has-text('13 months')")
    at(page, "/kpis/resolution_time/incidents/?severity=2", "slm-drill.png")
    page.goto("/service-reports/")
    page.locator("a[href^='/service-reports/']").filter(has_text=re.compile("End to end", re.I)).first.click()
    settle(page)
    shoot(page, out, "slm-report.png")
    at(page, "/service-levels/", "slm-agreements.png")
    at(page, "/risks/", "slm-risks.png")
    at(page, "/kpi-returns/", "slm-returns.png")
    ctx.close()

    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, PARTICIPANT, password)
    at(page, "/kpis/", "slm-participant.png")
    ctx.close()


def take_requests(browser: Browser, base_url: str, out: Path, password: str) -> None:
    """Requests, demand and hub orders (req-*.png): a supplier's administrator on the catalogue and the
    new-user form, the desk's request queue and a request waiting for the operator's approval, the demand
    notice above tolerance and the trends, a supplier's hub orders against forecast and a return."""

    def at(page: Page, path: str, name: str, anchor: str | None = None) -> None:
        page.goto(path)
        settle(page)
        if anchor:
            page.locator(anchor).first.scroll_into_view_if_needed()
        shoot(page, out, name)

    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in_with_code(page, ORG_ADMIN, password)
    at(page, "/requests/catalogue/", "req-catalogue.png")
    at(page, "/requests/catalogue/new-portal-user/", "req-new-user-form.png")
    ctx.close()

    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in_with_code(page, OPS, password)
    at(page, "/requests/?tab=queue", "req-desk-queue.png")
    page.goto("/requests/?tab=approvals")
    settle(page)
    page.locator("a[href^='/requests/REQ']").first.click()
    settle(page)
    shoot(page, out, "req-approval.png")
    page.goto("/demand/?above=yes")
    page.locator("a[href^='/demand/DMN']").first.click()
    settle(page)
    shoot(page, out, "req-demand-notice.png")
    at(page, "/demand/trends/", "req-demand-trends.png")
    ctx.close()

    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, PARTICIPANT, password)
    at(page, "/hubs/", "req-hub-orders.png")
    page.goto("/hubs/returns/")
    settle(page)
    shoot(page, out, "req-hub-returns.png")
    page.locator("a[href^='/hubs/returns/RTN']").first.click()
    settle(page)
    shoot(page, out, "req-hub-return.png")
    ctx.close()


def take_migration(browser: Browser, base_url: str, out: Path, password: str) -> None:
    """Qualification and migration (mig-*.png): the SI's tranche allocation with the three policies side by
    side, the qualification window, the industry migration profile, the threshold breaches, the exception
    queue, the cleanse tracker and the segment windows with the Unmetered cut-over; a supplier's own
    tranche and progress, and a daily file with a rejected line."""

    def at(page: Page, path: str, name: str, anchor: str | None = None) -> None:
        page.goto(path)
        settle(page)
        if anchor:
            page.locator(anchor).first.scroll_into_view_if_needed()
        shoot(page, out, name)

    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, "testmanager@si.example", password)
    at(page, "/migration/qualification/mhhs/allocation/", "mig-allocation.png")
    at(page, "/migration/qualification/mhhs/", "mig-qualification.png")
    at(page, "/migration/reports/progress/", "mig-progress.png", "svg")
    at(page, "/migration/breaches/", "mig-breaches.png")
    at(page, "/migration/exceptions/", "mig-exceptions.png")
    at(page, "/migration/cleanse/", "mig-cleanse.png")
    at(page, "/migration/thresholds/", "mig-cutover.png", "#windows")
    ctx.close()

    ctx = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, PARTICIPANT, password)
    at(page, "/migration/", "mig-supplier-home.png")
    page.goto("/migration/ledger/")
    settle(page)
    page.locator("a[href^='/migration/ledger/loads/']").first.click()
    settle(page)
    shoot(page, out, "mig-daily-file.png")
    ctx.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", nargs="?", default="http://127.0.0.1:8077")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the PNGs (default: beside me)")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--totp", help="the analyst's current code (default: ask `busbar totp`)")
    parser.add_argument("--testing-only", action="store_true", help="only the test-assurance screenshots")
    parser.add_argument("--governance-only", action="store_true", help="only the programme-governance ones")
    parser.add_argument("--changes-only", action="store_true", help="only the change-co-ordination ones")
    parser.add_argument("--reports-only", action="store_true", help="only the service-level ones")
    parser.add_argument("--requests-only", action="store_true", help="only requests, demand and hub orders")
    parser.add_argument("--migration-only", action="store_true", help="only qualification and migration")
    parser.add_argument("--chromium", default=os.environ.get("BUSBAR_CHROMIUM") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    if not Path(args.chromium).is_file():
        raise SystemExit(f"Chromium not found at {args.chromium}; install Debian's chromium")
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            base = args.base_url.rstrip("/")
            only = (
                args.testing_only
                or args.governance_only
                or args.changes_only
                or args.reports_only
                or args.requests_only
                or args.migration_only
            )
            if not only:
                take(browser, base, args.out, args.password, args.totp)
            if args.testing_only or not only:
                take_testing(browser, base, args.out, args.password)
            if args.governance_only or not only:
                take_governance(browser, base, args.out, args.password)
            if args.changes_only or not only:
                take_changes(browser, base, args.out, args.password, args.totp)
            if args.reports_only or not only:
                take_reports(browser, base, args.out, args.password)
            if args.requests_only or not only:
                take_requests(browser, base, args.out, args.password)
            if args.migration_only or not only:
                take_migration(browser, base, args.out, args.password)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

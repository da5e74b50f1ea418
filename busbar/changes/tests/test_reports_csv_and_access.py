"""The reports page and its CSV/XLSX tables: the desk (analysts, operations managers, platform
administrators) reads them; providers, CCG members and participants get the 403 page; anonymous visitors
are sent to sign in. Each table downloads as CSV with its total row; a bad period, format or table is a
400 naming the parameter (on the page: the error beside the field). The default period is this quarter.
"""

from __future__ import annotations

import csv
import io

from django.utils import timezone

from busbar.changes import reports
from busbar.changes.tests.test_reports_figures import build

URL = "/changes/reports/"
Q1 = "from=2025-01-01&to=2025-03-31"


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_desk_reads_the_reports_and_others_are_refused(chg) -> None:
    build(chg)
    for user in (chg.desk, chg.ops, chg.world.platform_admin):
        response = chg.client(user).get(f"{URL}?{Q1}")
        assert response.status_code == 200, user
        text = response.content.decode()
        assert "1 Jan 2025 to 31 Mar 2025" in text
        assert "CSS Provider" in text and "Gas CDS" in text
        assert "of which 1 accepted as exceptions" in text
    for user in (chg.provider, chg.gas, chg.alpha):
        client = chg.client(user)
        assert client.get(f"{URL}?{Q1}").status_code == 403, user
        assert client.get(f"{URL}?{Q1}&format=csv&table=providers").status_code == 403, user
    response = chg.client(None).get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_each_table_downloads_as_csv_with_its_total(chg) -> None:
    build(chg)
    client = chg.client(chg.desk)
    rows = _csv(client.get(f"{URL}?{Q1}&format=csv&table=providers"))
    assert rows[0][:8] == [
        "Provider",
        "Awaiting decision",
        "Accepted or in progress",
        "Completed",
        "Failed or backed out",
        "Reviewed",
        "Rejected",
        "Cancelled",
    ]
    assert rows[1] == ["CSS Provider", "0", "1", "2", "1", "2", "1", "0", "7", "2", "1", "7.0"]
    assert rows[2] == ["Gas CDS", "1", "0", "2", "1", "0", "0", "1", "5", "0", "0", "9.8"]
    assert rows[3][0] == "All providers" and rows[3][8] == "12" and rows[3][-1] == "8.4"
    types = _csv(client.get(f"{URL}?{Q1}&format=csv&table=types"))
    assert [r[0] for r in types[1:]] == ["Standard", "Normal", "Major", "Emergency", "All providers"]
    assert types[2] == ["Normal", "7", "2", "1", "4", "0", "2", "6.1"]  # 10+5+3+8+6+7+4 = 43 over 7
    failed = _csv(client.get(f"{URL}?{Q1}&format=csv&table=failed"))
    assert failed[1] == ["CSS Provider", "5", "1", "1", "40.0"] and failed[-1] == [
        "All providers",
        "8",
        "1",
        "2",
        "37.5",
    ]
    late = _csv(client.get(f"{URL}?{Q1}&format=csv&table=late"))
    assert late[1] == ["CSS Provider", "7", "2", "28.6", "1"]
    emergency = _csv(client.get(f"{URL}?{Q1}&format=csv&table=emergency"))
    assert emergency[-1] == ["All providers", "2", "1", "1"]
    major = _csv(client.get(f"{URL}?{Q1}&format=csv&table=major"))
    assert major[-1] == ["All providers", "2", "2", "1", "1"]
    xlsx = client.get(f"{URL}?{Q1}&format=xlsx&table=major")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    page = client.get(f"{URL}?{Q1}").content.decode()
    for table in reports.TABLES:
        assert f"format=csv&amp;table={table}" in page, table


def test_bad_parameters_are_400_naming_them(chg) -> None:
    client = chg.client(chg.desk)
    for query, field in (
        ("from=2020-01-01&to=2023-01-01", "to"),
        ("from=2025-03-01&to=2025-01-01", "to"),
        ("from=not-a-date", "from"),
    ):
        csv_response = client.get(f"{URL}?{query}&format=csv&table=providers")
        assert csv_response.status_code == 400 and csv_response.content.decode().startswith(f"{field}:"), (
            query
        )
        page = client.get(f"{URL}?{query}")
        assert page.status_code == 400 and f'id="id_{field}_error"' in page.content.decode(), query
    fmt = client.get(f"{URL}?{Q1}&format=pdf")
    assert fmt.status_code == 400 and fmt.content.startswith(b"format:")
    table = client.get(f"{URL}?{Q1}&format=csv&table=secrets")
    assert table.status_code == 400 and table.content.startswith(b"table:")


def test_default_period_is_this_quarter(chg, django_assert_max_num_queries) -> None:
    client = chg.client(chg.desk)
    client.get(URL)
    with django_assert_max_num_queries(10):
        response = client.get(URL)
    assert response.status_code == 200
    quarter = reports.quarter_of(timezone.localdate(timezone=reports.LONDON))
    assert quarter.label() in response.content.decode()

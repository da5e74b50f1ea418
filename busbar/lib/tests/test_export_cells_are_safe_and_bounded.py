"""Export cells never run as formulas, times are shown in Europe/London, and an export stops at MAX_ROWS
with a row saying so (busbar.lib.export)."""

import csv
import datetime as dt
import io

from busbar.lib import export
from busbar.lib.export import Column


class _Rows:
    """Stands in for a queryset: what the export reads is ``iterator(chunk_size=…)``."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.chunk_sizes: list[int] = []

    def iterator(self, chunk_size: int):
        self.chunk_sizes.append(chunk_size)
        return iter(range(self.n))


def test_formula_starts_are_prefixed_and_others_left_alone() -> None:
    for text in ("=1+2", "+44 20", "-3", "@SUM(A1)", "\tx", "\rx"):
        assert export.safe_text(text) == "'" + text
    for text in ("Gateway down", "INC0000013", "", "a=b"):
        assert export.safe_text(text) == text
    assert export.cell(-3, for_csv=True) == -3  # a number stays a number
    assert export.cell(True, for_csv=True) == "yes" and export.cell(None, for_csv=False) == ""
    assert len(export.safe_text("x" * 40_000)) == export.MAX_CELL


def test_times_are_london_in_summer_and_winter() -> None:
    summer = dt.datetime(2026, 7, 1, 12, 0, 30, 123, tzinfo=dt.UTC)
    winter = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert export.cell(summer, for_csv=True) == "2026-07-01 13:00:30"
    assert export.cell(winter, for_csv=True) == "2026-01-01 12:00:00"
    assert export.cell(summer, for_csv=False) == dt.datetime(2026, 7, 1, 13, 0, 30)


def test_csv_streams_in_chunks_and_stops_at_the_bound(monkeypatch) -> None:
    monkeypatch.setattr(export, "MAX_ROWS", 5)
    rows = _Rows(8)
    pieces = list(
        export.csv_lines(rows, [Column("N", lambda n: n), Column("Text", lambda n: f"={n}")], chunk_size=2)
    )
    assert rows.chunk_sizes == [2] and len(pieces) > 3  # streamed piece by piece, not built whole
    parsed = list(csv.reader(io.StringIO(b"".join(pieces).decode("utf-8-sig"))))
    assert parsed[0] == ["N", "Text"]
    assert parsed[1:6] == [[str(n), f"'={n}"] for n in range(5)]
    assert parsed[6][0].startswith("Cut short at 5 rows") and len(parsed) == 7

"""insert_rows writes plain rows in one pass (COPY on PostgreSQL, executemany elsewhere), refuses columns
the model does not have, and leaves nothing behind when a row breaks a constraint (in a savepoint)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from busbar.lib.bulkinsert import insert_rows
from busbar.records.models import Sequence

pytestmark = pytest.mark.django_db


def test_rows_are_written_with_their_values() -> None:
    rows = ((f"T{n:03d}", n * 7) for n in range(12_001))  # more than one executemany batch
    assert insert_rows(Sequence, ("prefix", "last"), rows, batch=5000) == 12_001
    assert Sequence.objects.filter(prefix__startswith="T").count() == 12_001
    assert Sequence.objects.get(prefix="T100").last == 700


def test_an_unknown_column_is_refused_before_any_sql() -> None:
    with pytest.raises(ValueError, match="no column prefix; DROP"):
        insert_rows(Sequence, ("prefix; DROP", "last"), [("X", 1)])


def test_a_row_breaking_a_constraint_leaves_nothing() -> None:
    Sequence.objects.create(prefix="DUP", last=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Sequence, ("prefix", "last"), [("NEW1", 1), ("DUP", 2)])
    assert not Sequence.objects.filter(prefix="NEW1").exists()
    assert Sequence.objects.get(prefix="DUP").last == 1

"""Ids from user input: digits only, within a 64-bit key."""

from busbar.lib.forms import MAX_ID, parse_id


def test_accepts_plain_ids() -> None:
    assert parse_id("42") == 42 and parse_id(" 7 ") == 7 and parse_id(9) == 9
    assert parse_id(str(MAX_ID)) == MAX_ID


def test_rejects_everything_else() -> None:
    for bad in ("²", "0", "-1", "1e3", "", "abc", str(MAX_ID + 1), "9" * 30, None, True, 1.5, 0, -3):
        assert parse_id(bad) is None, bad

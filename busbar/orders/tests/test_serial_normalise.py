"""Hub serials: every 16-hex-digit form is accepted and normalised the same way; anything else refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from busbar.orders.serials import BadSerial, normalise

HEX = st.text(alphabet="0123456789abcdefABCDEF", min_size=16, max_size=16)


def grouped(digits: str, size: int, sep: str) -> str:
    return sep.join(digits[i : i + size] for i in range(0, 16, size))


@given(HEX, st.sampled_from([1, 2, 4, 8, 16]), st.sampled_from(["-", ":", ""]))
def test_every_form_is_accepted_and_normalise_is_idempotent(digits, pairs, sep):
    text = grouped(digits, pairs * 2 if pairs < 8 else 16, sep) if pairs < 16 else digits
    result = normalise(f"  {text} ")
    assert result == grouped(digits.upper(), 2, "-")
    assert normalise(result) == result


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "00-1B-C5-0C-00-12-34",
        "00-1B-C5-0C-00-12-34-56-78",
        "00-1B:C5-0C-00-12-34-56",
        "0-01B-C5-0C-00-12-34-56",
        "00-1B-C5-0C-00-12-34-5G",
        "001BC50C0012345",
        "00--1B-C5-0C-00-12-34-56",
        "-001BC50C00123456",
        "００1BC50C00123456",
    ],
)
def test_anything_else_is_refused_with_a_reason(bad):
    with pytest.raises(BadSerial) as refused:
        normalise(bad)
    assert str(refused.value)


def test_not_text_is_refused():
    with pytest.raises(BadSerial):
        normalise(1234567890123456)

"""The catalogue form's one rule set (busbar.requests.formspec.clean_answers): every kind of question
takes good answers (normalised JSON-safe) and refuses bad ones with an error naming the question; an
unknown key, a missing required answer and an out-of-bounds value are refused; the operator's options are
held to their shape (check_options); the API description (schema) gives the bounds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st

from busbar.lib.actions import ActionError
from busbar.parties.models import MembershipRole
from busbar.requests import formspec
from busbar.requests.tests.conftest import TODAY

TEXTS = settings(max_examples=80, deadline=None)


def q(key="answer", kind="text", required=True, label="Answer", **options):
    return SimpleNamespace(key=key, label=label, kind=kind, required=required, options=options, help_text="")


def item_of(*fields):
    return SimpleNamespace(name="Test item", _prefetched_objects_cache={"fields": list(fields)})


def clean(field, value, *, organisation=None, user=None, today=TODAY):
    return formspec.clean_answers(
        item_of(field), {field.key: value}, organisation=organisation, user=user, today=today
    )


def refused(field, value, **kw) -> ActionError:
    with pytest.raises(ActionError) as exc:
        clean(field, value, **kw)
    assert exc.value.field == field.key
    assert field.label in exc.value.message
    return exc.value


# --- Text ------------------------------------------------------------------------------------------------


def test_text_good_and_bad() -> None:
    field = q(min_length=3, max_length=10, pattern=r"[A-Z]{4}", pattern_message="is four capital letters")
    assert clean(field, "  ALPH ") == {"answer": "ALPH"}
    assert "four capital" in refused(field, "alph").message
    assert "at least 3" in refused(field, "AB").message
    assert "limit is 10" in refused(field, "ABCDEFGHIJK").message
    refused(q(), "two\nlines")
    refused(q(), 12)
    refused(q(), "nul\x00")


def test_text_and_textarea_lengths_are_bounded_whatever_the_item_says() -> None:
    assert "limit is 2,000" in refused(q(max_length=99999), "x" * 2001).message
    assert clean(q(kind="textarea"), "a\r\nb") == {"answer": "a\nb"}
    assert "limit is 10,000" in refused(q(kind="textarea"), "x" * 10_001).message


# --- Choice, email, role ---------------------------------------------------------------------------------


def test_choice() -> None:
    field = q(kind="choice", choices=["Gas", "Electricity"])
    assert clean(field, "Gas") == {"answer": "Gas"}
    assert "Gas, Electricity" in refused(field, "Water").message
    refused(field, 1)


def test_email() -> None:
    field = q(kind="email")
    assert clean(field, " jo@alpha.example ") == {"answer": "jo@alpha.example"}
    refused(field, "not an address")
    refused(field, "a" * 250 + "@x.example")


@pytest.mark.django_db
def test_role_only_the_requestable_ones_for_the_organisation(r) -> None:
    w = r.world
    field = q(kind="role")
    for role in ("participant", "org_admin"):
        assert clean(field, role, organisation=w.org_a, user=w.admin_a) == {"answer": role}
    for role in (MembershipRole.ANALYST, MembershipRole.OPERATIONS, MembershipRole.PLATFORM_ADMIN, "boss"):
        refused(field, role, organisation=w.org_a, user=w.admin_a)
    # A resolver only for a provider organisation.
    refused(field, "resolver", organisation=w.org_a, user=w.admin_a)
    assert clean(field, "resolver", organisation=w.provider, user=w.ops) == {"answer": "resolver"}
    # Not even the platform administrator asks for an operator's role through the catalogue.
    refused(field, MembershipRole.PLATFORM_ADMIN, organisation=w.operator, user=w.platform_admin)


# --- Dates -----------------------------------------------------------------------------------------------


def test_date_relative_to_today() -> None:
    field = q(kind="date", not_before_days=5, not_after_days=90)
    assert clean(field, "2027-06-21") == {"answer": "2027-06-21"}
    assert clean(field, "21/06/2027") == {"answer": "2027-06-21"}
    assert clean(field, dt.date(2027, 9, 14)) == {"answer": "2027-09-14"}
    assert "before 21 June 2027" in refused(field, "2027-06-20").message
    assert "after 14 September 2027" in refused(field, "2027-09-15").message
    refused(field, "tomorrow")
    refused(field, "2027-02-30")
    refused(q(kind="date"), "0001-01-01")


# --- Numbers ---------------------------------------------------------------------------------------------


def test_number() -> None:
    field = q(kind="number", min=1, max=10, integer=True)
    assert clean(field, "3") == {"answer": 3}
    assert clean(field, 10) == {"answer": 10}
    assert "whole number" in refused(field, "2.5").message
    assert "at least 1" in refused(field, 0).message
    assert "at most 10" in refused(field, "11").message
    for bad in ("NaN", "inf", "1e999", True, "ten", float("nan")):
        refused(field, bad)
    assert clean(q(kind="number"), "2.5") == {"answer": 2.5}
    assert "between" in refused(q(kind="number"), 10**13).message


@TEXTS
@given(
    low=st.integers(-1000, 1000),
    span=st.integers(0, 1000),
    value=st.one_of(
        st.integers(-(10**15), 10**15),
        st.decimals(min_value=-(10**6), max_value=10**6, allow_nan=False, places=3),
    ),
)
def test_number_bounds_property(low: int, span: int, value) -> None:
    """Any value: taken exactly when it is within min..max (and whole, when asked), as a number equal
    to it; refused naming the question otherwise."""
    field = q(kind="number", min=low, max=low + span, integer=True)
    text = str(value)
    ok = low <= value <= low + span and Decimal(text) == Decimal(text).to_integral_value()
    if ok:
        answer = clean(field, text)["answer"]
        assert isinstance(answer, int) and answer == value
    else:
        refused(field, text)


# --- Organisation, service, person -----------------------------------------------------------------------


@pytest.mark.django_db
def test_organisation_service_person(r) -> None:
    w = r.world
    org = q(kind="organisation", industry_roles=["energy_supplier"])
    assert clean(org, str(w.org_b.pk)) == {"answer": w.org_b.pk}
    refused(org, w.provider.pk)  # not an energy supplier
    refused(org, "99999999")
    refused(org, "9" * 30)
    assert clean(q(kind="organisation"), w.provider.pk) == {"answer": w.provider.pk}

    service = q(kind="service")
    assert clean(service, str(r.css.pk)) == {"answer": r.css.pk}
    refused(service, "0")
    refused(service, "css")

    person = q(kind="person")
    assert clean(person, w.user_a.pk, organisation=w.org_a) == {"answer": w.user_a.pk}
    assert "Alpha" in refused(person, w.user_b.pk, organisation=w.org_a).message  # not of Alpha


# --- Files -----------------------------------------------------------------------------------------------


def test_file(settings) -> None:
    settings.BUSBAR_ATTACHMENT_MAX_BYTES = 1024
    field = q(kind="file", extensions=["pdf", "png"])
    good = SimpleUploadedFile("diagram.PDF", b"%PDF-1.4 x", content_type="application/pdf")
    assert clean(field, good)["answer"] is good
    assert ".pdf" in refused(field, SimpleUploadedFile("run.exe", b"MZ")).message
    assert "limit is 1,024" in refused(field, SimpleUploadedFile("big.pdf", b"x" * 1025)).message
    refused(field, "diagram.pdf")  # a name is not a file


# --- Required, optional, unknown keys --------------------------------------------------------------------


def test_required_optional_and_unknown_keys() -> None:
    required, optional = q(key="a", label="First"), q(key="b", label="Second", required=False)
    item = item_of(required, optional)
    kw = {"organisation": None, "user": None, "today": TODAY}
    assert formspec.clean_answers(item, {"a": "x", "b": "  "}, **kw) == {"a": "x"}
    with pytest.raises(ActionError) as exc:
        formspec.clean_answers(item, {"b": "y"}, **kw)
    assert exc.value.field == "a" and "First is required" in exc.value.message
    with pytest.raises(ActionError) as exc:
        formspec.clean_answers(item, {"a": "x", "colour": "red"}, **kw)
    assert exc.value.field == "colour" and "colour" in exc.value.message
    with pytest.raises(ActionError) as exc:
        formspec.clean_answers(item, {"a": ["x", "y"]}, **kw)
    assert exc.value.field == "a"
    with pytest.raises(ActionError):
        formspec.clean_answers(item, ["a"], **kw)  # type: ignore[arg-type]


# --- The operator's options ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "options", "says"),
    [
        ("text", {"max_length": 5000}, "0 to 2,000"),
        ("text", {"min_length": 9, "max_length": 3}, "more than"),
        ("text", {"pattern": "(unclosed"}, "not a regular expression"),
        ("text", {"choices": ["a"]}, "no option"),
        ("choice", {"choices": []}, "1 to 100"),
        ("choice", {"choices": ["a", "a"]}, "twice"),
        ("date", {"not_before_days": 10, "not_after_days": 5}, "after"),
        ("date", {"not_before_days": 99999}, "3,650"),
        ("number", {"min": 5, "max": 1}, "more than"),
        ("number", {"max": float("inf")}, "within"),
        ("number", {"integer": "yes"}, "true or false"),
        ("organisation", {"industry_roles": ["pirate"]}, "industry_roles"),
        ("file", {"extensions": ["p d f"]}, "letters or digits"),
        ("email", {"max_length": 3}, "no option"),
    ],
)
def test_check_options_refuses_bad_shapes(kind, options, says) -> None:
    with pytest.raises(ActionError) as exc:
        formspec.check_options(kind, options, field="fields[0].options")
    assert says in exc.value.message and exc.value.field == "fields[0].options"


def test_check_options_cleans_good_ones() -> None:
    assert formspec.check_options("file", {"extensions": [".PDF", "png", "pdf"]}, field="f") == {
        "extensions": ["pdf", "png"]
    }
    assert formspec.check_options("choice", {"choices": [" Gas "]}, field="f") == {"choices": ["Gas"]}
    assert formspec.check_options("email", None, field="f") == {}


def test_schema_describes_bounds_and_choices() -> None:
    item = item_of(
        q(key="n", kind="number", min=1, max=10, integer=True),
        q(key="c", kind="choice", choices=["Gas"]),
        q(key="r", kind="role"),
        q(key="t", kind="text", max_length=50),
    )
    described = {f["key"]: f for f in formspec.schema(item)}
    assert described["n"]["bounds"] == {"min": 1, "max": 10, "integer": True}
    assert described["c"]["choices"] == [{"value": "Gas", "label": "Gas"}]
    roles = [c["value"] for c in described["r"]["choices"]]
    assert roles == ["participant", "resolver", "org_admin"]
    assert described["t"]["bounds"]["max_length"] == 50

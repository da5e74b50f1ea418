"""Bounded types for API schemas and parameters, built from :mod:`busbar.lib.limits`.

Use these instead of bare ``int``, ``str`` and ``datetime`` in every ``Schema``, ``FilterSchema`` and
path parameter: a value outside them is a 422 naming the field, and the bound is published in OpenAPI.
A test (busbar/core/tests/test_api_inputs_bounded.py) fails for any input the API leaves unbounded.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Path, Schema
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from busbar.lib.limits import (
    EARLIEST,
    LATEST,
    MAX_ID,
    NAME_TEXT,
    SHORT_TEXT,
    bound_date,
    bound_instant,
    text_max,
)


class InputSchema(Schema):
    """A request body: a JSON object carrying only the fields the endpoint names.

    Anything else — an array, a bare string or number, ``null``, or an unknown field (a typo such as
    ``sumary``) — is a 422 naming it, rather than silently read as "nothing to change".
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data  # ninja wraps the value it validates
        if not isinstance(raw, dict):
            raise ValueError("The body must be a JSON object")
        return data


class Ref(Schema):
    """Another record, by id and name."""

    id: int
    name: str


#: A record id in a body or query.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
#: A record id in the path.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
#: A record reference in the path, e.g. INC0000042.
RefPath = Annotated[str, Path(min_length=3, max_length=20, pattern=r"^[A-Za-z]{2,6}[0-9]{1,12}$")]
#: A slug or short code (severity codes, service slugs).
Code = Annotated[str, Field(min_length=1, max_length=60)]


def _id_as_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


#: A service (or other record) given by id or slug; the endpoint tells the two apart (digits: an id).
IdOrSlug = Annotated[
    str,
    BeforeValidator(_id_as_text),
    Field(min_length=1, max_length=60),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                {"type": "string", "minLength": 1, "maxLength": 60},
            ],
            "description": "An id or a slug",
        }
    ),
]
#: One line: summaries, subjects, names.
Line = Annotated[str, Field(max_length=SHORT_TEXT)]
Name = Annotated[str, Field(max_length=NAME_TEXT)]
#: Free text: descriptions, updates, notes, resolutions, reasons (BUSBAR_TEXT_MAX_CHARS).
Text = Annotated[str, Field(max_length=text_max())]
#: A search box.
SearchText = Annotated[str, Field(max_length=SHORT_TEXT)]
#: An instant with its UTC offset (RFC 3339), between 1970 and 2200. Returned in UTC.
Instant = Annotated[
    dt.datetime,
    AfterValidator(bound_instant),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": f"From {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}",
        }
    ),
]
Day = Annotated[
    dt.date,
    AfterValidator(bound_date),
    WithJsonSchema({"type": "string", "format": "date", "description": "From 1970-01-01 to 2199-12-31"}),
]


#: A share between 0.10 and 0.99 (e.g. when an SLA warning fires), with two decimal places.
Ratio = Annotated[
    Decimal,
    Field(ge=Decimal("0.10"), le=Decimal("0.99"), max_digits=3, decimal_places=2),
    WithJsonSchema(
        {"type": "number", "minimum": 0.1, "maximum": 0.99, "multipleOf": 0.01, "description": "0.10 to 0.99"}
    ),
]
_HHMM = Annotated[str, Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$", max_length=5)]
_WINDOW = Annotated[list[_HHMM], Field(min_length=2, max_length=2)]
#: Opening hours by weekday ("0" Monday … "6" Sunday): up to six [start, end] windows a day, "HH:MM".
WeeklyHours = dict[Literal["0", "1", "2", "3", "4", "5", "6"], Annotated[list[_WINDOW], Field(max_length=6)]]


def ids(max_items: int = 100) -> type:
    """A list of at most ``max_items`` record ids."""
    return Annotated[list[Id], Field(max_length=max_items)]  # type: ignore[return-value]

"""The API's one pagination: ``?limit=&offset=`` with bounded values, ``count`` and the page's ``items``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from busbar.lib.limits import MAX_OFFSET


class Page(PaginationBase):
    """``?limit=&offset=`` pagination; the reply carries ``count`` and the page's ``items``."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=settings.API_PAGE_MAX, description="Items per page")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip")

    class Output(Schema):
        count: int
        limit: int
        offset: int
        items: list[Any]

    items_attribute = "items"

    def paginate_queryset(self, queryset: Any, pagination: Input, request: HttpRequest, **params: Any) -> Any:
        offset, limit = pagination.offset, pagination.limit
        return {
            "count": self._items_count(queryset),
            "limit": limit,
            "offset": offset,
            "items": list(queryset[offset : offset + limit]),
        }

"""Placeholder until the area lands."""

__all__: list[str] = []

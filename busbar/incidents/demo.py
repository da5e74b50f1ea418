"""Demo records for incidents (see busbar.core.demo)."""

from __future__ import annotations


def load(ctx) -> None:  # noqa: ANN001
    """Add demo incidents records; must be safe to run twice."""

"""Demo records for services (see busbar.core.demo)."""

from __future__ import annotations


def load(ctx) -> None:  # noqa: ANN001
    """Add demo services records; must be safe to run twice."""

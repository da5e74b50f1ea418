"""Placeholder until the demo lands (H6 replaces this package)."""


def load(ctx) -> None:
    return None

"""Demo data: placeholder."""


def load(context) -> None:
    return None

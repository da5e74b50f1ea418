"""The programme governance demo (MHHS)."""


def load(*args, **kwargs):
    return None

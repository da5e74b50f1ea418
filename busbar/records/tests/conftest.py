"""The kernel is tested through the record types built on it (incidents here)."""

from busbar.incidents.tests.conftest import catalogue  # noqa: F401 - the fixture

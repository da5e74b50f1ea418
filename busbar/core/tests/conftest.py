"""Fixtures of the incidents tests that the core tests use too (a service on the default SLA policy)."""

from busbar.incidents.tests.conftest import catalogue  # noqa: F401 - fixture

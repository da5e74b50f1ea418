from busbar.incidents.tests.conftest import catalogue  # noqa: F401 - the fixture

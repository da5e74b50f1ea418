"""Settings come from the environment; a bad value stops start-up naming the variable."""

import subprocess
import sys

import pytest
from django.conf import settings

from busbar.lib.env import ConfigError, env_bool, env_database, env_int, env_list


def test_typed_readers() -> None:
    assert env_bool("X", False, {"X": "yes"}) is True
    assert env_int("X", 1, {"X": " 42 "}) == 42
    assert env_list("X", [], {"X": "a.example, b.example,"}) == ["a.example", "b.example"]
    pg = env_database("D", "", {"D": "postgres://u@127.0.0.1:5432/test"})
    assert pg["ENGINE"] == "django.db.backends.postgresql" and pg["NAME"] == "test"
    lite = env_database("D", "sqlite:////tmp/x.db", {})
    assert "journal_mode=WAL" in lite["OPTIONS"]["init_command"]


@pytest.mark.parametrize(
    ("reader", "value", "message"),
    [
        (lambda e: env_bool("BUSBAR_DEBUG", False, e), "maybe", "BUSBAR_DEBUG"),
        (lambda e: env_int("EMAIL_PORT", 1, e, maximum=65535), "99999", "EMAIL_PORT"),
        (lambda e: env_int("EMAIL_PORT", 1, e), "abc", "EMAIL_PORT"),
        (lambda e: env_database("DATABASE_URL", "", e), "mysql://x/y", "DATABASE_URL"),
    ],
)
def test_bad_values_name_the_variable(reader, value: str, message: str) -> None:
    name = message
    with pytest.raises(ConfigError, match=message):
        reader({name: value})


def test_start_up_fails_loudly_on_bad_value(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BUSBAR_DEBUG": "perhaps", "BUSBAR_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "busbar.cli", "check"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "BUSBAR_DEBUG" in result.stderr and "Traceback" not in result.stderr


def test_production_defaults() -> None:
    from busbar import settings as module

    assert module.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert settings.TIME_ZONE == "Europe/London" and settings.USE_TZ
    assert module.DEBUG is False
    assert module.EMAIL_BACKEND == "busbar.core.mailqueue.QueuedEmailBackend"

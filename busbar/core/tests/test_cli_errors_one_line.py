"""Every ``busbar`` command reports bad input in one line on stderr with exit status 2, never a traceback:
``busbar totp`` for an unknown account or one without an authenticator app, a missing or extra argument, an
unknown command, a bad option of ``serve`` or ``datagen``."""

import pytest

from busbar import cli

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secret(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SECRET_KEY", "test-secret-key-for-the-cli-tests-only-000000")
    monkeypatch.setenv("BUSBAR_DATA_DIR", str(tmp_path))


def _one_line(capsys, code: int, expected: str) -> None:
    out, err = capsys.readouterr()
    assert code == 2
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err and expected in err
    assert out == ""


def test_totp_for_an_unknown_account(world, capsys) -> None:
    _one_line(capsys, cli.main(["totp", "nobody@example.com"]), "busbar: No user nobody@example.com")


def test_totp_for_an_account_without_an_authenticator(world, capsys) -> None:
    _one_line(capsys, cli.main(["totp", world.user_a.email]), "has no authenticator app set up")


def test_totp_for_an_account_with_one_prints_the_code(world, capsys) -> None:
    assert cli.main(["totp", world.analyst.email]) == 0
    out, err = capsys.readouterr()
    assert out.strip().isdigit() and len(out.strip()) == 6 and err == ""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["totp"], "busbar: the following arguments are required: email"),
        (["totp", "a@example.com", "b"], "busbar: unrecognized arguments: b"),
        (["createadmin", "--email", "x@example.com", "--name", "X", "--password", "short"], "at least 10"),
        (["restore", "/no/such/archive.tar.gz", "--yes"], "no such file"),
        (["nosuchcommand"], "busbar: unknown command 'nosuchcommand'"),
    ],
)
def test_bad_input_is_one_line(world, capsys, argv, expected) -> None:
    _one_line(capsys, cli.main(argv), expected)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["serve", "--port", "99999"], "busbar serve: --port must be between 1 and 65535"),
        (["serve", "--port", "abc"], "busbar serve: argument --port: invalid int value: 'abc'"),
        (["datagen", "if021", "--mpans", "x"], "busbar datagen if021: error: argument --mpans"),
        (["datagen"], "busbar datagen: error: the following arguments are required"),
    ],
)
def test_argument_errors_are_one_line(capsys, argv, expected) -> None:
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code
    _one_line(capsys, code, expected)


def test_a_database_that_cannot_be_used_is_one_line(world, capsys, monkeypatch) -> None:
    from django.db import OperationalError

    from busbar.core.management.commands import totp

    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("no such table: accounts_user")

    monkeypatch.setattr(totp.User.objects, "filter", broken)
    _one_line(capsys, cli.main(["totp", "nobody@example.com"]), "the database could not be used")

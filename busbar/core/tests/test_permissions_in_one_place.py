"""Every app that changes state has a ``permissions.py`` (or a ``permissions`` package), and its actions
refuse with it: no action module writes a refusal of its own (``raise NotPermitted(...)``), so "who may
do this" lives in one place."""

import ast
from pathlib import Path

import busbar

ROOT = Path(busbar.__file__).parent


def _action_modules() -> list[Path]:
    found = [p for p in ROOT.glob("*/actions.py") if p.parent.name != "lib"]
    found += [p for p in ROOT.glob("*/actions/**/*.py")]  # packages to any depth (testing/actions/setup/)
    return found


def test_every_app_with_actions_has_permissions() -> None:
    apps = {p.relative_to(ROOT).parts[0] for p in _action_modules()}
    assert apps >= {
        "accounts",
        "events",
        "incidents",
        "knowledge",
        "parties",
        "problems",
        "programmes",
        "records",
        "services",
        "testing",
        "triage",
    }
    missing = sorted(
        app
        for app in apps
        if not (ROOT / app / "permissions.py").exists()
        and not (ROOT / app / "permissions" / "__init__.py").exists()  # a package (programmes/permissions/)
    )
    assert missing == []


def test_actions_refuse_through_their_permissions() -> None:
    offenders = []
    for path in _action_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name == "NotPermitted":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], "refuse with permissions.can_<verb>(...) instead: " + ", ".join(offenders)

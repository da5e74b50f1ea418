"""The DIP simulator's tests read the official specification from ``../shared/dip-spec`` (CI always has
it); elsewhere they skip, saying why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from busbar.datagen.tests import dipspec


@pytest.fixture(scope="session")
def spec_folder() -> Path:
    folder = dipspec.spec_dir()
    if folder is None:
        reason = (
            "DIP API specification not found: set BUSBAR_DIP_SPEC or place it at ../shared/dip-spec "
            "(the YAML files of github.com/elexon-data/dip-api-documentation)"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    return folder

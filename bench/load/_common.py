"""Helpers shared by prepare.py, loadgen.py and run.py (imported from the scripts' own directory)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
VENV_BIN = Path(sys.executable).parent
BUSBAR = str(VENV_BIN / "busbar")


def load_prepared(data_dir: str | Path) -> dict[str, Any]:
    """The ``prepared.json`` that prepare.py wrote into ``data_dir``."""
    path = Path(data_dir) / "prepared.json"
    if not path.exists():
        raise SystemExit(f"{path} not found: run bench/load/prepare.py first")
    return json.loads(path.read_text())


def prepared_env(prepared: dict[str, Any], **extra: str) -> dict[str, str]:
    """The process environment for Busbar commands and servers against the prepared database."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BUSBAR_DATA_DIR", "SECRET_KEY")}
    env.update(prepared["env"])
    env.update(extra)
    return env


def busbar_shell(
    script: Path, env: dict[str, str], run_name: str, **kwargs: Any
) -> subprocess.CompletedProcess:
    """Run ``script`` inside ``busbar shell -c`` (Django set up, ``env``) with ``__name__ == run_name``."""
    code = f"import runpy; runpy.run_path({str(script)!r}, run_name={run_name!r})"
    return subprocess.run([BUSBAR, "shell", "-c", code], env=env, cwd=REPO, check=True, **kwargs)


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an already sorted list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summary_ms(values: list[float]) -> dict[str, float | None]:
    """p50 / p95 / p99 / max / mean in milliseconds of latencies given in seconds."""
    s = sorted(values)
    out: dict[str, float | None] = {}
    for name, p in (("p50", 50), ("p95", 95), ("p99", 99)):
        v = percentile(s, p)
        out[name] = None if v is None else round(v * 1000, 2)
    out["max"] = round(s[-1] * 1000, 2) if s else None
    out["mean"] = round(sum(s) / len(s) * 1000, 2) if s else None
    return out

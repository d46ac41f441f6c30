"""The forecast job on the runtime it will have: Python 3.9 with glue_jobs/requirements-glue.lock
and glue_jobs/requirements-forecast.lock (statsforecast 2.0.1: 2.1 needs Python >= 3.10).

`make glue39` runs this on exactly those wheels; the main suite runs it on the development venv
(statsforecast 2.1.1) too. Python 3.9-safe.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from importlib import metadata

import numpy as np
import pandas as pd
import pytest

from tests.glue39.test_conform_runtime import GLUE_LOCK, GLUE_PROVIDED, OPTIONAL_WHEN_INSTALLED, ROOT, pins, top_levels

FORECAST_LOCK = ROOT / "glue_jobs" / "requirements-forecast.lock"
JOB = ROOT / "glue_jobs" / "forecast.py"


def test_the_forecast_libraries_are_this_runtimes_lock():
    """On Python 3.9 (make glue39) exactly the forecast lock; in the development venv, a
    statsforecast of the same major version (the API the job calls)."""
    lock = pins(FORECAST_LOCK)
    if sys.version_info[:2] == (3, 9):
        installed = {name: metadata.version(name) for name in lock}
        assert installed == lock
    else:
        assert metadata.version("statsforecast").split(".")[0] == lock["statsforecast"].split(".")[0]


def _panel_frames():
    """Three series over 24 months (seasonal, growing), one invoice day a month, and a tree of one
    ASM over two SRs."""
    rows = []
    for i, (territory, brand, base) in enumerate((("T1", "B1", 100.0), ("T1", "B2", 60.0), ("T2", "B1", 200.0))):
        for m in range(24):
            y, mo = 2023 + m // 12, m % 12 + 1
            value = base * (1 + 0.01 * m) * (1.5 if mo == 3 else 1.0) + i
            rows.append({"doc_date": date(y, mo, 15), "territory_code": territory, "division_code": "D1",
                         "brand_code": brand, "unmapped_reason": None, "net_value": value})
    start, end = date(1900, 1, 1), date(9999, 12, 31)
    versions = pd.DataFrame([
        {"position_id": p, "role": r, "territory_code": t, "division_code": "D1", "valid_from": start, "valid_to": end}
        for p, r, t in (("A1", "ASM", None), ("SR1", "SR", "T1"), ("SR2", "SR", "T2"))])
    closure = pd.DataFrame([
        {"ancestor_position_id": a, "position_id": p, "valid_from": start, "valid_to": end}
        for a, p in (("A1", "A1"), ("SR1", "SR1"), ("SR2", "SR2"), ("A1", "SR1"), ("A1", "SR2"))])
    return pd.DataFrame(rows), versions, closure


def test_the_job_forecasts_with_auto_ets_and_imports_only_its_locks_and_glue_s_own():
    """In a fresh interpreter: import glue_jobs/forecast.py, forecast a small panel with AutoETS
    (saleslens.forecast.job.forecast_origin), and list every module that loaded for it."""
    code = (
        "import json, runpy, sys, sysconfig\n"
        f"sys.path.insert(0, {str(ROOT / 'src')!r})\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from datetime import date\n"
        "from tests.glue39.test_forecast_runtime import _panel_frames\n"
        "frames = _panel_frames()  # the test's own imports (pytest, numpy, pandas) load before the snapshot\n"
        "before = set(sys.modules)\n"
        f"runpy.run_path({str(JOB)!r}, run_name='forecast_job')\n"
        "from saleslens.forecast.job import ForecastSettings, forecast_origin\n"
        "settings = ForecastSettings(model='auto_ets', backtest_origins=2, min_fit_months=12, n_jobs=1)\n"
        "result = forecast_origin(*frames, date(2024, 12, 31), settings)\n"
        "std = tuple(p for p in (sysconfig.get_paths()['stdlib'], sysconfig.get_paths()['platstdlib']) if p)\n"
        "loaded = set()\n"
        "for name in set(sys.modules) - before:\n"
        "    f = getattr(sys.modules[name], '__file__', None)\n"
        "    if f and not (f.startswith(std) and 'site-packages' not in f) and not name.startswith('tests'):\n"
        "        # by the folder it was loaded from: scipy's extensions register top-level names (_ni_label)\n"
        "        inside = f.split('site-packages/', 1)[1] if 'site-packages/' in f else name\n"
        "        loaded.add(inside.split('/')[0].split('.')[0])\n"
        "rows = result.by_position[['level', 'position_id', 'horizon_days', 'forecast', 'lower', 'upper', 'residuals']]\n"
        "print(json.dumps({'status': result.status, 'loaded': sorted(loaded), 'rows': rows.values.tolist()}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT), timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["status"] == "FORECAST"
    rows = pd.DataFrame(out["rows"], columns=["level", "position_id", "horizon_days", "forecast", "lower", "upper",
                                              "residuals"])
    assert len(rows) == (3 + 2 + 1) * 3
    assert np.isfinite(rows["forecast"]).all() and (rows["forecast"] >= 0).all()
    assert (rows["residuals"] > 0).all() and (rows["lower"] <= rows["upper"]).all()
    by = rows.set_index(["level", "position_id", "horizon_days"])["forecast"]
    for h in (30, 60, 90):  # bottom-up sums (rounded to the cent on output)
        leaves = by.loc[("TERRITORY_BRAND", "T1/B1", h)] + by.loc[("TERRITORY_BRAND", "T1/B2", h)]
        assert by.loc[("SR", "SR1", h)] == pytest.approx(leaves)
        assert by.loc[("ASM", "A1", h)] == pytest.approx(by.loc[("SR", "SR1", h)] + by.loc[("SR", "SR2", h)])
    loaded = set(out["loaded"])
    assert {"statsforecast", "saleslens"} <= loaded
    if sys.version_info[:2] == (3, 9):  # the development venv holds other versions and more
        # statsmodels.nonparametric imports joblib inside try/except: loaded here because make glue39
        # installs train-scoring's lock beside the forecast's; the forecast job on Glue runs without it
        allowed = {"saleslens", "joblib"} | GLUE_PROVIDED | OPTIONAL_WHEN_INSTALLED
        for name in list(pins(GLUE_LOCK)) + list(pins(FORECAST_LOCK)):
            allowed |= top_levels(name)
        assert loaded <= allowed, sorted(loaded - allowed)

"""The Glue jobs' libraries: exactly glue_jobs/requirements-glue.lock and the job's own lock, installed by Glue.

Glue Python shell 3.9's analytics library set carries a pyarrow older than the contract checks
need; the job installs the lock's pins (``--additional-python-modules``) over it. `make glue39`
runs the job's tests on Python 3.9 with that lock; these tests tie the lock to the job definition
and to what the code needs.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from infra import PROJECT_ROOT
from infra.constructs.glue_job import glue_modules
from saleslens import components
from tests.infra.cfn import flat

pytestmark = pytest.mark.infra

GLUE_LOCK = PROJECT_ROOT / "glue_jobs" / "requirements-glue.lock"
SCORING_LOCK = PROJECT_ROOT / "glue_jobs" / "requirements-scoring.lock"
FORECAST_LOCK = PROJECT_ROOT / "glue_jobs" / "requirements-forecast.lock"


def lock_lines(path: Path = GLUE_LOCK):
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]


def glue_pins(path: Path = GLUE_LOCK):
    return {name.lower(): Version(v) for name, _, v in (ln.partition("==") for ln in lock_lines(path))}


def test_every_glue_job_installs_exactly_the_glue_lock_and_its_own(synth):
    jobs = {j["Properties"]["Name"]: j for stack in ("ingestion", "forecast")
            for _, _, j in synth.resources("AWS::Glue::Job", (stack,))}
    assert sorted(jobs) == sorted(synth.cfg.name(k) for k in components.GLUE_JOBS)
    own = {"conform": [], "train-scoring": lock_lines(SCORING_LOCK), "forecast": lock_lines(FORECAST_LOCK)}
    assert set(own) == set(components.GLUE_JOBS)
    for key, extra in own.items():
        modules = flat(jobs[synth.cfg.name(key)]["Properties"]["DefaultArguments"]["--additional-python-modules"])
        assert modules.split(",") == lock_lines() + extra, key
        assert all("==" in pin for pin in modules.split(","))


def test_the_locks_installed_together_agree_on_every_shared_pin():
    # make glue39 installs all three on one Python 3.9: a name pinned twice must be pinned alike
    pins: dict = {}
    for lock in (GLUE_LOCK, SCORING_LOCK, FORECAST_LOCK):
        for name, _, version in (ln.partition("==") for ln in lock_lines(lock)):
            assert pins.setdefault(name.lower(), version) == version, (lock.name, name)


def test_the_scoring_lock_takes_the_newest_lightgbm_with_wheels_for_glibc_2_26():
    # lightgbm 4.x publishes manylinux_2_28 wheels only; 3.3.5 (manylinux1) is the last Glue installs.
    # Its install requirements (scipy, scikit-learn, wheel) and theirs are pinned with it.
    pins = glue_pins(SCORING_LOCK)
    assert "lightgbm" not in glue_pins()  # conform does not install it
    assert pins["lightgbm"] == Version("3.3.5")
    assert {"scipy", "scikit-learn", "joblib", "threadpoolctl", "wheel", "packaging"} <= set(pins)


def test_the_glue_lock_holds_what_the_job_needs_on_python_39():
    pins = glue_pins()
    assert pins["pyarrow"] >= Version("14")  # string -> date32 casts in the contract checks
    assert pins["numpy"] <= Version("2.0.2")  # the last numpy for Python 3.9
    assert pins["pandas"].major == 2  # built for numpy 2; pandas 3 needs Python 3.11
    assert pins["python-dateutil"] < Version("3")  # Glue's preinstalled botocore requires it
    assert pins["pyarrow"] < Version("21")  # 21's cp39 wheels need glibc 2.28; Amazon Linux 2 has 2.26


def test_glue_modules_refuses_anything_but_exact_pins(tmp_path):
    lock = tmp_path / "requirements-glue.lock"
    lock.write_text("# comment\nnumpy==2.0.2  # trailing\n\npyarrow==21.0.0\n")
    assert glue_modules(lock) == ["numpy==2.0.2", "pyarrow==21.0.0"]
    for bad in ("pyarrow>=14", "pyarrow", "pyarrow==21.0.0,numpy==2.0.2", "pandas[aws]==2.3.3"):
        lock.write_text(bad + "\n")
        with pytest.raises(ValueError, match="exact name==version pin"):
            glue_modules(lock)

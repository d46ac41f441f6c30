"""The train-scoring job on the runtime it will have: Python 3.9 with glue_jobs/requirements-glue.lock and
requirements-scoring.lock (lightgbm 3.3.5, the newest LightGBM whose wheels install on Glue's glibc 2.26), and its model text
read back by the scoring Lambda's lightgbm (requirements.lock: 4.7.0).

`make glue39` runs this on Python 3.9 and passes the development venv's Python as MAIN_PYTHON; the
main suite runs it on the development venv (both sides then use the same lightgbm). Python 3.9-safe.
"""
from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
JOB = ROOT / "glue_jobs" / "train_scoring.py"
LOAD_AND_PREDICT = r"""
import json, sys
import numpy as np
import lightgbm
from saleslens.scoring.artefact import from_bytes
from saleslens.scoring.score import load, predict_frame
import pandas as pd
artefact = from_bytes(open(sys.argv[1], "rb").read())
frame = pd.read_json(sys.argv[2], orient="split")
print(json.dumps({"lightgbm": lightgbm.__version__, "p": predict_frame(load(artefact), frame).tolist()}))
"""


def main_python() -> str:
    """The scoring side's interpreter: MAIN_PYTHON (make glue39), else this one."""
    return os.environ.get("MAIN_PYTHON") or sys.executable


def test_the_job_script_imports_its_entry_point():
    loaded = runpy.run_path(str(JOB), run_name="train_scoring_job")
    assert loaded["main"].__module__ == "saleslens.scoring.job"


def test_a_model_trained_here_scores_the_same_in_the_scoring_lambdas_lightgbm(tmp_path):
    sys.path.insert(0, str(ROOT))
    import lightgbm

    from saleslens.scoring.columns import PROPOSAL
    from saleslens.scoring.features import build_features
    from saleslens.scoring.history import MinHistory
    from saleslens.scoring.score import predict_frame
    from saleslens.scoring.train import TrainConfig, default_plan, train_model
    from tests.scoring_synthetic import as_of, synthetic_crm

    crm = synthetic_crm(opportunities=1500, seed=5)
    features = build_features(PROPOSAL, crm.accounts, crm.opportunities, crm.events)
    result = train_model(PROPOSAL, features, crm.opportunities, default_plan(as_of(crm).date()),
                         TrainConfig(min_history=MinHistory(30, 30, 24)))
    assert result.model.artefact.kind == "lightgbm"
    assert result.model.artefact.metadata["lightgbm"] == lightgbm.__version__
    sample = features.head(200)
    here = predict_frame(result.model, sample)
    (tmp_path / "artefact.json").write_bytes(result.model.artefact.to_bytes())
    (tmp_path / "sample.json").write_text(sample.to_json(orient="split", date_format="iso"), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    proc = subprocess.run([main_python(), "-c", LOAD_AND_PREDICT, str(tmp_path / "artefact.json"),
                           str(tmp_path / "sample.json")], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    there = json.loads(proc.stdout.strip().splitlines()[-1])
    if sys.version_info[:2] == (3, 9):  # the Glue side (3.3.5) against the Lambda side (4.7.0)
        assert (lightgbm.__version__, there["lightgbm"]) == ("3.3.5", "4.7.0")
    assert np.allclose(np.array(there["p"]), here, rtol=0, atol=1e-9)
    assert 0 < here.min() < here.max() < 1

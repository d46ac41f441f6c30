"""The scoring function's package: its handler imports from the shared bundle, its own layer
(LightGBM, numpy, scipy, narwhals: CPython 3.12 wheels) and Powertools alone, without pandas or
pyarrow, on Python 3.12 (pyenv's: the function's python3.12 runtime), a booster scores with
pred_contrib there, and the whole fits Lambda's 250 MB unzipped limit (function code + layers).

Offline the handler runs in-process on the development venv's Python 3.11 with the venv's wheels of
the same versions (the layer's lock pins requirements.lock's); these subprocesses on 3.12 are what
stands for the account."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from infra.constructs.packaging import (
    LAMBDA_UNZIPPED_LIMIT_BYTES,
    bundle_bytes,
    lambda_bundle,
    scoring_layer_bundle,
    scoring_layer_pins,
)
from infra.constructs.python_function import handler_of
from infra.layers import (
    AWS_SDK_PANDAS,
    LAMBDA_RUNTIME,
    LAYER_CONTENTS,
    POWERTOOLS,
    layer_distributions,
    link_distributions,
    read_lock,
)
from saleslens import components
from tests.infra.test_deployed_imports import lambda_env

pytestmark = pytest.mark.infra

# The function's runtime, python3.12 (infra/constructs/scoring.py RUNTIME).
PY312 = str(Path.home() / ".pyenv" / "versions" / "3.12.1" / "bin" / "python")
MODULE = handler_of(components.LAMBDAS["score-opportunity"]).rsplit(".", 1)[0]
DRIVER = r"""
import importlib, json, sys
dirs = json.loads(sys.argv[1])
sys.path[:0] = dirs
module = importlib.import_module(sys.argv[2])
print(json.dumps({"handler": callable(getattr(module, "handler", None)),
                  "loaded": sorted(n for n in ("pandas", "pyarrow", "lightgbm", "numpy", "scipy") if n in sys.modules),
                  "outside": [m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)
                              and not m.__file__.startswith(tuple(dirs) + tuple(p for p in sys.path[len(dirs):] if p))]}))
"""


def powertools_closure():
    (contents,) = [c for c in LAYER_CONTENTS if c.name == POWERTOOLS]
    return layer_distributions(contents).installed


def distribution_bytes(dists) -> int:
    return sum(Path(str(d.locate_file(f))).stat().st_size for d in dists for f in (d.files or ())
               if Path(str(d.locate_file(f))).is_file())


def test_the_scoring_package_fits_lambdas_250_mb_without_pandas_or_pyarrow():
    layer, code, powertools = bundle_bytes(scoring_layer_bundle()), bundle_bytes(lambda_bundle()), distribution_bytes(powertools_closure())
    total = layer + code + powertools
    print(f"scoring layer {layer / 2**20:.1f} MiB + code {code / 2**20:.1f} MiB + Powertools {powertools / 2**20:.1f} MiB "
          f"= {total / 2**20:.1f} MiB of {LAMBDA_UNZIPPED_LIMIT_BYTES / 2**20:.0f}")
    assert total < LAMBDA_UNZIPPED_LIMIT_BYTES
    packages = {dest.split("/")[1] for dest, _ in scoring_layer_bundle().entries}
    assert {"lightgbm", "numpy", "scipy", "narwhals"} <= packages
    assert not packages & {"pandas", "pyarrow", "awswrangler"}
    # with the AWS SDK for pandas layer the other functions take, it would not fit
    (pandas_layer,) = [c for c in LAYER_CONTENTS if c.name == AWS_SDK_PANDAS]
    assert total + distribution_bytes(layer_distributions(pandas_layer).installed) > LAMBDA_UNZIPPED_LIMIT_BYTES


def test_the_scoring_handler_imports_from_its_package_alone_and_loads_no_pandas(tmp_path):
    scoring_layer_bundle().copy_to(tmp_path / "opt")
    lambda_bundle().copy_to(tmp_path / "bundle")
    link_distributions(tmp_path / "powertools", powertools_closure())
    link_distributions(tmp_path / "runtime", layer_distributions(LAMBDA_RUNTIME).installed)
    dirs = [tmp_path / "bundle", tmp_path / "opt" / "python", tmp_path / "powertools", tmp_path / "runtime"]
    env = {**lambda_env(tmp_path), "LD_LIBRARY_PATH": str(tmp_path / "opt" / "lib")}
    proc = subprocess.run([PY312, "-S", "-I", "-c", DRIVER, json.dumps([str(d) for d in dirs]), MODULE],
                          capture_output=True, text=True, env=env, cwd=str(dirs[0]), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["handler"] is True
    assert out["loaded"] == ["lightgbm", "numpy", "scipy"]  # and neither pandas nor pyarrow
    assert out["outside"] == []


# A one-split regression tree written by hand: x <= 2.5 -> -1, else 1.5; one training row went
# left and three right.
MODEL = """tree
version=v4
num_class=1
num_tree_per_iteration=1
label_index=0
max_feature_idx=0
objective=regression
feature_names=x
feature_infos=[1:4]

Tree=0
num_leaves=2
num_cat=0
split_feature=0
split_gain=1
threshold=2.5
decision_type=2
left_child=-1
right_child=-2
leaf_value=-1 1.5
leaf_weight=1 3
leaf_count=1 3
internal_value=0.875
internal_weight=4
internal_count=4
is_linear=0
shrinkage=1


end of trees
"""
SCORE = r"""
import json, sys
sys.path[:0] = json.loads(sys.argv[1])
import lightgbm, numpy, scipy, scipy.sparse
import saleslens.scoring.score
booster = lightgbm.Booster(model_str=sys.argv[2])
print(json.dumps({"contrib": booster.predict(numpy.array([[4.0], [1.0]]), pred_contrib=True).tolist(),
                  "python": list(sys.version_info[:2]),
                  "files": sorted({m.__name__: m.__file__ for m in (lightgbm, numpy, scipy, saleslens.scoring.score)}.items())}))
"""


def test_the_layer_pins_the_versions_the_tests_run():
    pins = scoring_layer_pins()
    assert set(pins) == {"lightgbm", "numpy", "scipy", "narwhals"}
    main = read_lock()
    assert {name: main.get(name) for name in pins} == pins


def test_a_booster_scores_with_pred_contrib_on_python_3_12_from_the_layer_alone(tmp_path):
    scoring_layer_bundle().copy_to(tmp_path / "opt")
    lambda_bundle().copy_to(tmp_path / "bundle")
    dirs = [str(tmp_path / "opt" / "python"), str(tmp_path / "bundle")]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "LD_LIBRARY_PATH": str(tmp_path / "opt" / "lib")}  # Lambda's /opt/lib
    proc = subprocess.run([PY312, "-S", "-I", "-c", SCORE, json.dumps(dirs), MODEL],
                          capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["python"] == [3, 12]
    assert all(path.startswith(tuple(dirs)) for _name, path in out["files"]), out["files"]
    # The tree's expected value is the count-weighted mean of its leaves: (1 x -1 + 3 x 1.5) / 4 = 0.875
    # (the bias column). x = 4 falls right: 1.5 - 0.875 = 0.625; x = 1 falls left: -1 - 0.875 = -1.875.
    assert out["contrib"] == [[0.625, 0.875], [-1.875, 0.875]]

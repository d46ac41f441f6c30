"""The scoring function's package: its handler imports from the shared bundle, its own layer
(LightGBM, numpy, scipy, narwhals) and Powertools alone, without pandas or pyarrow, and the whole
fits Lambda's 250 MB unzipped limit (function code + layers)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra.constructs.packaging import LAMBDA_UNZIPPED_LIMIT_BYTES, bundle_bytes, lambda_bundle, scoring_layer_bundle
from infra.constructs.python_function import handler_of
from infra.layers import AWS_SDK_PANDAS, LAMBDA_RUNTIME, LAYER_CONTENTS, POWERTOOLS, layer_distributions, link_distributions
from saleslens import components
from tests.infra.test_deployed_imports import lambda_env

pytestmark = pytest.mark.infra

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
    env = lambda_env(tmp_path)
    proc = subprocess.run([sys.executable, "-S", "-I", "-c", DRIVER, json.dumps([str(d) for d in dirs]), MODULE],
                          capture_output=True, text=True, env=env, cwd=str(dirs[0]), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["handler"] is True
    assert out["loaded"] == ["lightgbm", "numpy", "scipy"]  # and neither pandas nor pyarrow
    assert out["outside"] == []

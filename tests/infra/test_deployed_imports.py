"""What is deployed can import: every handler, from its bundle and the layers alone.

In-process, handlers import from the development venv, where dev-only packages (sqlglot, duckdb,
moto) are installed. Here each handler is imported by a separate interpreter started with ``-S
-I`` (no site-packages, no PYTHONPATH, no working directory) whose path holds only:
- the Lambda bundle CDK deploys (``packaging.lambda_bundle()``, copied as /var/task is);
- the two managed layers of config.deploy (/opt/python), built as the layers' build scripts
  build them: the dependency closure of ``awswrangler[redshift,...]`` and
  ``aws-lambda-powertools[all]`` less what the builds delete (``infra.layers.LAYER_CONTENTS``);
- the Python 3.11 runtime's own packages (/var/runtime: boto3 and its closure);
- the standard library.
The layer directories are symlinks to this venv's copies of exactly those distributions. Layer
libraries the venv does not install (the layers' optional database drivers, listed by
``layers_dir``) are missing here, so this check is stricter than AWS, never looser.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Dict, List, Sequence

import pytest

from infra import PROJECT_ROOT
from infra.constructs.packaging import lambda_bundle
from infra.constructs.python_function import handler_of
from infra.layers import (
    LAMBDA_RUNTIME,
    LAYER_CONTENTS,
    LAYER_RELEASES,
    LayerRelease,
    layer_distributions,
    layer_problems,
    link_distributions,
    parse_layer_arn,
    read_lock,
)
from saleslens import components
from saleslens.config import load_config

pytestmark = pytest.mark.infra

# Imports every module named on the command line with only the given directories before the
# standard library; prints, per module, the error (if any) and whether `handler` is callable, and
# every loaded module file that lies outside the allowed directories.
DRIVER = r"""
import importlib, json, sys, traceback
dirs = json.loads(sys.argv[1])
sys.path[:0] = dirs
allowed = tuple(dirs) + tuple(p for p in sys.path[len(dirs):] if p)
out = {"modules": {}, "outside": []}
for name in sys.argv[2:]:
    try:
        module = importlib.import_module(name)
        out["modules"][name] = {"ok": callable(getattr(module, "handler", None)), "error": None}
    except BaseException as exc:
        out["modules"][name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                                "trace": traceback.format_exc(limit=-6)}
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None)
    if f and not f.startswith(allowed):
        out["outside"].append(f)
print(json.dumps(out))
"""


def import_in_isolation(path: Sequence[Path], modules: Sequence[str], env: Dict[str, str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-S", "-I", "-c", DRIVER, json.dumps([str(p) for p in path]), *modules],
        capture_output=True, text=True, env=env, cwd=str(path[0]), timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def lambda_env(tmp: Path) -> Dict[str, str]:
    """The deployed function's environment, as Lambda sets it (Tracer switches on in Lambda)."""
    cfg = load_config()
    env = dict(components.runtime_environment(cfg, cfg.offline_account, cfg.region))
    env.update({
        "PATH": "/usr/bin:/bin", "HOME": str(tmp), "LANG": "C.UTF-8",
        "AWS_REGION": cfg.region, "AWS_DEFAULT_REGION": cfg.region,
        "AWS_LAMBDA_FUNCTION_NAME": cfg.name("validate-file"), "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "LAMBDA_TASK_ROOT": str(tmp / "bundle"), "POWERTOOLS_LOG_LEVEL": cfg.deploy.lambda_log_level,
    })
    return env


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """(bundle dir, layers dir, runtime dir, env, layer libraries the venv lacks)."""
    root = tmp_path_factory.mktemp("deployed")
    lambda_bundle().copy_to(root / "bundle")
    layer_dists, absent = {}, set()
    for contents in LAYER_CONTENTS:
        closure = layer_distributions(contents)
        layer_dists.update((d.metadata["Name"], d) for d in closure.installed)
        absent.update(closure.absent)
    link_distributions(root / "layers", layer_dists.values())
    link_distributions(root / "runtime", layer_distributions(LAMBDA_RUNTIME).installed)
    return root / "bundle", root / "layers", root / "runtime", lambda_env(root), sorted(absent)


def handler_modules() -> List[str]:
    """The handlers on the shared bundle and the managed layers (the scoring function has a package
    of its own: tests/infra/test_scoring_package.py)."""
    return sorted(handler_of(spec).rsplit(".", 1)[0] for key, spec in components.LAMBDAS.items()
                  if key not in components.OWN_PACKAGE_LAMBDAS)


def test_every_handler_file_is_a_deployed_function():
    files = {f"lambdas.{p.stem}" for p in (PROJECT_ROOT / "lambdas").glob("*.py") if not p.stem.startswith("_")}
    own = {handler_of(components.LAMBDAS[k]).rsplit(".", 1)[0] for k in components.OWN_PACKAGE_LAMBDAS}
    assert files == set(handler_modules()) | own


def test_every_deployed_handler_imports_from_its_bundle_and_the_layers_alone(deployed):
    bundle, layers, runtime, env, _absent = deployed
    t0 = time.perf_counter()
    result = import_in_isolation([bundle, layers, runtime], handler_modules(), env)
    elapsed = time.perf_counter() - t0
    failed = {m: r.get("trace") or "no callable `handler`" for m, r in result["modules"].items() if not r["ok"]}
    assert not failed, "\n\n".join(f"{m}:\n{t}" for m, t in failed.items())
    assert set(result["modules"]) == set(handler_modules())
    assert result["outside"] == [], "modules loaded from outside bundle, layers, runtime and stdlib"
    assert elapsed < 120, elapsed


def test_a_dev_only_import_fails_there_though_the_dev_venv_has_it(deployed, tmp_path):
    _bundle, layers, runtime, env, _absent = deployed
    import sqlglot  # noqa: F401  (installed here: the failure below is the isolation's doing)

    throwaway = tmp_path / "bundle"
    (throwaway / "lambdas").mkdir(parents=True)
    (throwaway / "lambdas" / "__init__.py").write_text("")
    (throwaway / "lambdas" / "views_helper.py").write_text("import sqlglot\n")
    (throwaway / "lambdas" / "uses_sqlglot.py").write_text(
        "from lambdas import views_helper\n\ndef handler(event, context):\n    return {}\n")
    (throwaway / "lambdas" / "uses_layers.py").write_text(
        "import awswrangler, pandas, pyarrow.compute, boto3\n"
        "from aws_lambda_powertools import Logger, Metrics, Tracer\n\n"
        "def handler(event, context):\n    return {}\n")
    result = import_in_isolation([throwaway, layers, runtime], ["lambdas.uses_sqlglot", "lambdas.uses_layers"], env)
    bad, good = result["modules"]["lambdas.uses_sqlglot"], result["modules"]["lambdas.uses_layers"]
    assert not bad["ok"] and bad["error"] == "ModuleNotFoundError: No module named 'sqlglot'"
    assert good == {"ok": True, "error": None}


def test_the_layer_directories_hold_the_layer_closures_not_the_venv(deployed):
    _bundle, layers, runtime, _env, absent = deployed
    for name in ("awswrangler", "pandas", "pyarrow", "numpy", "aws_lambda_powertools", "aws_xray_sdk", "pydantic"):
        assert (layers / name).exists(), name
    for name in ("boto3", "botocore", "s3transfer"):  # the layer builds delete them; the runtime has them
        assert not (layers / name).exists() and (runtime / name).exists(), name
    for dev_only in ("sqlglot", "duckdb", "moto", "aws_cdk", "cdk_nag", "pytest", "hypothesis", "matplotlib", "jinja2"):
        assert not (layers / dev_only).exists() and not (runtime / dev_only).exists(), dev_only
    # The layers' optional drivers this venv does not install: absent here, present in AWS.
    assert {"redshift-connector", "pymysql", "pg8000"} <= set(absent)


def test_the_config_layers_hold_the_locked_library_versions():
    cfg = load_config()
    assert layer_problems(cfg.deploy.layer_arns(cfg.region), read_lock()) == []


def test_the_layer_equivalent_libraries_are_the_locked_versions():
    """The venv the layer directories link to holds what the lock (and so the layers) hold."""
    from importlib.metadata import version

    lock = read_lock()
    for library in ("awswrangler", "aws-lambda-powertools", "boto3"):
        assert version(library) == lock[library], f"{library}: venv differs from requirements.lock; run `make setup`"


def test_layer_check_names_a_version_the_lock_does_not_pin():
    arn = "arn:aws:lambda:ap-south-1:336392948345:layer:AWSSDKPandas-Python311:31"
    assert layer_problems([arn], {"awswrangler": "3.16.1"}) == []
    [problem] = layer_problems([arn], {"awswrangler": "3.17.1"})
    assert "holds awswrangler 3.16.1" in problem and "pins 3.17.1" in problem


def test_layer_check_refuses_an_undocumented_version_or_region():
    lock = {"awswrangler": "3.16.1", "aws-lambda-powertools": "3.23.0"}
    [unknown] = layer_problems(["arn:aws:lambda:ap-south-1:336392948345:layer:AWSSDKPandas-Python311:99"], lock)
    assert "AWSSDKPandas-Python311:99 in ap-south-1: not in infra/layers.py" in unknown
    # AWS SDK for pandas numbers differ per region: a row for ap-south-1 says nothing of eu-west-1.
    [other_region] = layer_problems(["arn:aws:lambda:eu-west-1:336392948345:layer:AWSSDKPandas-Python311:31"], lock)
    assert "no documented release" in other_region
    # Powertools numbers are the same everywhere.
    assert layer_problems(
        ["arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:27"], lock) == []


def test_every_layer_release_row_names_its_source_and_parses():
    seen = set()
    for row in LAYER_RELEASES:
        assert isinstance(row, LayerRelease) and row.source.startswith("https://"), row
        assert (row.layer, row.region, row.version) not in seen, row
        seen.add((row.layer, row.region, row.version))
    assert parse_layer_arn("arn:aws:lambda:ap-south-1:017000801446:layer:X-y_1:27") == ("ap-south-1", "X-y_1", 27)


def test_the_isolated_interpreter_has_no_site_packages(tmp_path):
    proc = subprocess.run([sys.executable, "-S", "-I", "-c", "import sys, json; print(json.dumps(sys.path))"],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, cwd=str(tmp_path))
    path = json.loads(proc.stdout)
    purelib = sysconfig.get_paths()["purelib"]
    assert purelib not in path and not any("site-packages" in p for p in path), path
    assert os.path.isdir(path[1]) and (Path(path[1]) / "json").is_dir()

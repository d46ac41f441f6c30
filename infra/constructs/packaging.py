"""Docker-free packaging of the code CDK deploys.

Lambda: every function shares one code bundle, assembled by copying files (no pip, no Docker):
``lambdas/``, the ``saleslens`` library as a top-level package, ``athena_sql/`` and the two small
pure-Python dependencies the layers do not carry (jinja2, markupsafe). Heavy dependencies
(awswrangler, pandas, pyarrow, Powertools) come from the AWS-managed layers in config.deploy.

Glue: the ``saleslens`` library as a wheel for ``--extra-py-files``, written deterministically
(fixed timestamps and permissions, sorted entries, no compression) so its hash changes only
when the library's code does. The wheel declares no dependencies: the job's libraries are the
exact pins of ``glue_jobs/requirements-glue.lock`` (``glue_job.glue_modules``).

What the Lambda bundle imports is checked where it will run: tests/infra/test_deployed_imports.py
imports every handler with only this bundle, the layers of config.deploy (``infra.layers``) and
the runtime's own packages on its path.

Both bundles leave out ``saleslens.offline`` (the moto/DuckDB adapter, never imported in AWS) so
that changing the offline runtime does not redeploy the functions and the job.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, List, Tuple

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from infra import PROJECT_ROOT

LIBRARY_SOURCE = PROJECT_ROOT / "src" / "saleslens"
SQL_ROOT = PROJECT_ROOT / "athena_sql"
BUILD_ROOT = PROJECT_ROOT / "build"

# Pure-Python packages copied from the running interpreter's site-packages into the bundle.
VENDORED_PACKAGES = ("jinja2", "markupsafe")
# Sub-packages of saleslens that never run in AWS.
LIBRARY_EXCLUDES = ("offline",)
# Caches and compiled extensions are machine-specific: leaving them out keeps the bundle hash
# the same on every machine (markupsafe falls back to its pure-Python escape without _speedups).
_SKIP_DIRS = {"__pycache__"}
_SKIP_SUFFIXES = {".pyc", ".pyo", ".so", ".pyd"}

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Bundle:
    """Files of one bundle: (path inside the bundle, source file), sorted by bundle path."""

    entries: Tuple[Tuple[str, Path], ...]

    def digest(self) -> str:
        h = hashlib.sha256()
        for dest, src in self.entries:
            h.update(dest.encode("utf-8") + b"\0")
            h.update(hashlib.sha256(src.read_bytes()).digest())
        return h.hexdigest()

    def copy_to(self, out_dir: Path) -> None:
        for dest, src in self.entries:
            target = out_dir / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)


def _tree(root: Path, prefix: str, exclude_subdirs: Iterable[str] = ()) -> List[Tuple[str, Path]]:
    """Files under ``root`` as bundle entries below ``prefix``; a missing root gives none."""
    if not root.is_dir():
        return []
    excluded = {root / d for d in exclude_subdirs}
    entries = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and here / d not in excluded)
        for name in filenames:
            path = here / name
            if path.suffix in _SKIP_SUFFIXES:
                continue
            entries.append((f"{prefix}/{path.relative_to(root).as_posix()}", path))
    return entries


def _site_package(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name!r} is not installed in this interpreter; run `make setup`")
    return Path(list(spec.submodule_search_locations)[0])


def library_bundle() -> Bundle:
    return Bundle(tuple(sorted(_tree(LIBRARY_SOURCE, "saleslens", LIBRARY_EXCLUDES))))


@lru_cache(maxsize=1)
def lambda_bundle() -> Bundle:
    entries = _tree(PROJECT_ROOT / "lambdas", "lambdas")
    entries += _tree(LIBRARY_SOURCE, "saleslens", LIBRARY_EXCLUDES)
    entries += _tree(SQL_ROOT, "athena_sql")
    for package in VENDORED_PACKAGES:
        entries += _tree(_site_package(package), package)
    return Bundle(tuple(sorted(entries)))


# The scoring function's own layer (score-opportunity): LightGBM and its closure (numpy, scipy,
# narwhals), copied file for file from this venv's wheels (manylinux x86_64, CPython 3.11, what
# the function runs), compiled extensions included. No pandas, no pyarrow: the function does not
# take the AWS SDK for pandas layer, which would take the package past Lambda's 250 MB.
SCORING_LAYER_REQUIREMENT = "lightgbm"
# lib_lightgbm.so links libgomp.so.1 (OpenMP), which the Lambda base image does not carry: the layer
# ships the build host's copy under lib/ (Lambda puts /opt/lib on LD_LIBRARY_PATH).
# tests/infra/test_scoring_layer_elf.py checks every native library's NEEDED entries are in the
# layer or in the base image (docs/scoring.md, "Native libraries", for what the copy requires).
SCORING_LAYER_SYSTEM_LIBRARIES = ("libgomp.so.1",)
SYSTEM_LIBRARY_DIRS = ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64")
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024  # function code + all its layers, unzipped


@lru_cache(maxsize=1)
def scoring_layer_bundle() -> Bundle:
    """The scoring layer as Lambda mounts it: ``python/<package>/...`` (``/opt/python``)."""
    from infra.layers import LayerContents, layer_distributions

    closure = layer_distributions(LayerContents("saleslens-scoring", SCORING_LAYER_REQUIREMENT, (),
                                                "infra/constructs/packaging.py"))
    if closure.absent:
        raise RuntimeError(f"the scoring layer needs {', '.join(closure.absent)}, not installed here; run `make setup`")
    entries = []
    for dist in closure.installed:
        for f in dist.files or ():
            parts = Path(str(f)).parts
            if not parts or parts[0] == ".." or "__pycache__" in parts or f.suffix in (".pyc", ".pyo"):
                continue
            if parts[0].endswith(".dist-info") and parts[-1] in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json"):
                continue
            entries.append((f"python/{Path(*parts).as_posix()}", Path(str(dist.locate_file(f)))))
    entries += [(f"lib/{name}", system_library(name)) for name in SCORING_LAYER_SYSTEM_LIBRARIES]
    return Bundle(tuple(sorted(entries)))


def system_library(name: str) -> Path:
    """The installed file of a shared library (its symlink resolved: the bundle copies the file)."""
    for folder in SYSTEM_LIBRARY_DIRS:
        candidate = Path(folder) / name
        if candidate.is_file():
            return candidate.resolve()
    raise RuntimeError(f"the scoring layer needs {name} (OpenMP, for lightgbm), not found in {', '.join(SYSTEM_LIBRARY_DIRS)}: "
                       "install the distribution's libgomp1 package")


def scoring_layer_code() -> lambda_.Code:
    bundle = scoring_layer_bundle()
    return lambda_.Code.from_asset(
        str(PROJECT_ROOT),
        asset_hash=bundle.digest(),
        asset_hash_type=AssetHashType.CUSTOM,
        bundling=BundlingOptions(image=DockerImage.from_registry("none"), local=CopyFilesBundling(bundle)),
    )


def bundle_bytes(bundle: Bundle) -> int:
    """Unzipped size of a bundle: what counts against Lambda's 250 MB."""
    return sum(src.stat().st_size for _dest, src in bundle.entries)


@jsii.implements(ILocalBundling)
class CopyFilesBundling:
    """Local bundler: copies a ``Bundle`` into CDK's output directory, so Docker is never needed."""

    def __init__(self, bundle: Bundle) -> None:
        self._bundle = bundle

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_options: Any) -> bool:
        self._bundle.copy_to(Path(output_dir))
        return True


def lambda_code() -> lambda_.Code:
    """A fresh Code for one stack (CDK binds an AssetCode to a single stack).

    The asset hash is the bundle's own digest, so CDK never fingerprints the project root and
    skips re-bundling when cdk.out already holds this hash.
    """
    bundle = lambda_bundle()
    return lambda_.Code.from_asset(
        str(PROJECT_ROOT),
        asset_hash=bundle.digest(),
        asset_hash_type=AssetHashType.CUSTOM,
        bundling=BundlingOptions(
            image=DockerImage.from_registry("none"),
            local=CopyFilesBundling(bundle),
        ),
    )


def library_version() -> str:
    text = (LIBRARY_SOURCE / "__init__.py").read_text(encoding="utf-8")
    m = re.search(r"^__version__\s*=\s*[\"']([^\"']+)[\"']", text, re.M)
    if not m:
        raise RuntimeError("src/saleslens/__init__.py does not declare __version__")
    return m.group(1)


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"sha256={digest}"


def _zip_entry(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_STORED  # compressed bytes vary with the zlib build
    zf.writestr(info, data)


def library_wheel(build_root: Path = BUILD_ROOT) -> Path:
    """Write ``build/glue-lib/<digest>/saleslens-<version>-py3-none-any.whl`` once and return it.

    Glue Python shell 3.9 installs ``--extra-py-files`` wheels with pip (it no longer accepts
    .egg files), and pip only installs a file whose name is a valid wheel name: hence a real
    wheel with a dist-info, deployed under its own name (a CDK file asset would be renamed to
    ``<hash>.whl``). The directory is content-addressed, so concurrent synths write identical
    bytes to the same place and a rename makes each write atomic.
    """
    bundle = library_bundle()
    version = library_version()
    dist_info = f"saleslens-{version}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\nName: saleslens\n"
        f"Version: {version}\nRequires-Python: >=3.9\n"
        "Summary: SalesLens library for the Glue Python shell (libraries: glue_jobs/requirements-glue.lock)\n"
    ).encode()
    digest = hashlib.sha256(bundle.digest().encode() + metadata).hexdigest()
    wheel = build_root / "glue-lib" / digest[:16] / f"saleslens-{version}-py3-none-any.whl"
    if wheel.exists():
        return wheel
    files = [(dest, src.read_bytes()) for dest, src in bundle.entries]
    files.append((f"{dist_info}/METADATA", metadata))
    files.append((f"{dist_info}/WHEEL", (
        "Wheel-Version: 1.0\nGenerator: saleslens-infra\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ).encode()))
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files)
    record += f"{dist_info}/RECORD,,\n"
    files.append((f"{dist_info}/RECORD", record.encode()))

    wheel.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=wheel.parent, suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            for name, data in files:
                _zip_entry(zf, name, data)
        os.replace(tmp, wheel)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return wheel


def sql_hash(root: Path = SQL_ROOT) -> str:
    """sha256 of every athena_sql/**/*.sql (path and content): changes re-run the views."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.sql")):
        h.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()

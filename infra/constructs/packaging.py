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
from typing import Any, Dict, Iterable, List, Tuple

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
# narwhals), unpacked from the wheels of infra/requirements-scoring-layer.lock that `make setup`
# downloads for the function's runtime (python3.12, Amazon Linux 2023: CPython 3.12 manylinux x86_64
# wheels, compiled extensions included). Not this venv's wheels: they are built for CPython 3.11.
# No pandas, no pyarrow: the function does not take the AWS SDK for pandas layer, which would take
# the package past Lambda's 250 MB.
SCORING_LAYER_LOCK = PROJECT_ROOT / "infra" / "requirements-scoring-layer.lock"
SCORING_LAYER_WHEELS = BUILD_ROOT / "scoring-layer-wheels"
# lib_lightgbm.so links libgomp.so.1 (OpenMP), which the Lambda base image does not carry: the layer
# ships the build host's copy under lib/ (Lambda puts /opt/lib on LD_LIBRARY_PATH).
# tests/infra/test_scoring_layer_elf.py checks every native library's NEEDED entries are in the
# layer or in the base image, and that none needs a newer glibc than the runtime's (docs/scoring.md,
# "Native libraries").
SCORING_LAYER_SYSTEM_LIBRARIES = ("libgomp.so.1",)
SYSTEM_LIBRARY_DIRS = ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64")
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024  # function code + all its layers, unzipped
# Wheel metadata pip writes at install time, or that lists hashes of files left out: not in the layer.
_WHEEL_SKIP = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")


def scoring_layer_pins(lock: Path = SCORING_LAYER_LOCK) -> Dict[str, str]:
    """The layer's exact pins: canonical distribution name -> version."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        if spec.operator != "==":
            raise RuntimeError(f"{lock.name}: {line!r} is not an exact pin")
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def scoring_layer_wheels(wheels: Path = SCORING_LAYER_WHEELS) -> List[Path]:
    """The downloaded wheel of each pin of the layer's lock, one per pin."""
    from packaging.utils import canonicalize_name, parse_wheel_filename

    found: Dict[str, List[Path]] = {}
    for wheel in sorted(wheels.glob("*.whl")) if wheels.is_dir() else []:
        name, version, _build, _tags = parse_wheel_filename(wheel.name)
        found.setdefault(f"{canonicalize_name(name)}=={version}", []).append(wheel)
    out = []
    for name, version in sorted(scoring_layer_pins().items()):
        matches = found.get(f"{name}=={version}", [])
        if len(matches) != 1:
            raise RuntimeError(f"the scoring layer needs one wheel of {name}=={version} in {wheels} "
                               f"(found {len(matches)}); run `make setup`")
        out.append(matches[0])
    return out


def _unpacked_layer(wheels: List[Path]) -> Path:
    """The wheels unpacked once into ``build/scoring-layer/<digest>/python`` (content-addressed:
    a rename makes the write atomic, so concurrent synths and tests share it)."""
    h = hashlib.sha256()
    for wheel in wheels:
        h.update(wheel.name.encode() + b"\0" + hashlib.sha256(wheel.read_bytes()).digest())
    root = BUILD_ROOT / "scoring-layer" / h.hexdigest()[:16]
    if root.is_dir():
        return root / "python"
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root.parent, suffix=".tmp"))
    try:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as zf:
                zf.extractall(tmp / "python")
        try:
            os.rename(tmp, root)
        except OSError:
            if not root.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root / "python"


@lru_cache(maxsize=1)
def scoring_layer_bundle() -> Bundle:
    """The scoring layer as Lambda mounts it: ``python/<package>/...`` (``/opt/python``) and ``lib/``."""
    python = _unpacked_layer(scoring_layer_wheels())
    entries = [(dest, src) for dest, src in _tree(python, "python") if not (
        Path(dest).parts[1].endswith(".dist-info") and Path(dest).name in _WHEEL_SKIP)]
    # _tree leaves compiled extensions out of the shared bundle; here they are the point.
    entries += [(f"python/{p.relative_to(python).as_posix()}", p) for p in python.rglob("*")
                if p.is_file() and p.suffix in (".so",) and "__pycache__" not in p.parts]
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

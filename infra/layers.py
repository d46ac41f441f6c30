"""The AWS-managed Lambda layers the functions run with: what each version holds, and what is in it.

``LAYER_RELEASES`` ties a layer version (config.deploy) to the library version it holds, one row
per version, each with the documentation that says so. ``layer_problems`` compares the layer
versions of the config with requirements.lock: the tests run the locked versions, so a layer that
holds another version means AWS runs code the tests never ran.

``LAYER_CONTENTS`` says what each layer's build installs (its documented build script), and
``layer_distributions`` turns that into the distributions of this interpreter's environment that
make up the layer: the dependency closure of the layer's requirement, less what the build deletes.
``link_distributions`` lays those out as a site directory of symlinks, so a handler can be imported
with exactly its bundle and the layers on its path (tests/infra/test_deployed_imports.py).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra import PROJECT_ROOT

MAIN_LOCK = PROJECT_ROOT / "requirements.lock"


@dataclass(frozen=True)
class LayerRelease:
    """Version ``version`` of layer ``layer`` holds ``library`` at ``library_version``.

    ``region`` is None when the layer has the same version number in every region (Powertools
    publishes it so); the AWS SDK for pandas layer numbers differ per region.
    """

    layer: str
    region: Optional[str]
    version: int
    library: str
    library_version: str
    source: str
    note: str = ""


AWS_SDK_PANDAS = "AWSSDKPandas-Python311"
POWERTOOLS = "AWSLambdaPowertoolsPythonV3-python311-x86_64"
POWERTOOLS_312 = "AWSLambdaPowertoolsPythonV3-python312-x86_64"  # score-opportunity's (python3.12)

LAYER_RELEASES: Tuple[LayerRelease, ...] = (
    LayerRelease(AWS_SDK_PANDAS, "ap-south-1", 2, "awswrangler", "3.4.0",
                 "https://github.com/aws/aws-sdk-pandas/blob/ee9d70246d48f2b138f950da53f102e050b78f05/docs/source/layers.rst"),
    LayerRelease(AWS_SDK_PANDAS, "ap-south-1", 31, "awswrangler", "3.16.1",
                 "https://aws-sdk-pandas.readthedocs.io/en/stable/layers.html",
                 "the 3.16.1 table gives ap-northeast-1 3.11 x86_64 :31; in the 3.4.0 table every "
                 "ap-south-1 number equals ap-northeast-1's. Confirm from the layer itself: "
                 "`aws lambda get-layer-version-by-arn` gives its zip, whose "
                 "python/awswrangler-*.dist-info names the version"),
    LayerRelease(POWERTOOLS, None, 3, "aws-lambda-powertools", "3.2.0",
                 "https://github.com/aws-powertools/powertools-lambda-python/pull/5426"),
    LayerRelease(POWERTOOLS, None, 5, "aws-lambda-powertools", "3.4.0",
                 "https://github.com/aws-powertools/powertools-lambda-python/pull/5785"),
    LayerRelease(POWERTOOLS, None, 6, "aws-lambda-powertools", "3.4.1",
                 "https://github.com/aws-powertools/powertools-lambda-python/pull/5869"),
    LayerRelease(POWERTOOLS, None, 27, "aws-lambda-powertools", "3.23.0",
                 "https://github.com/aws-powertools/powertools-lambda-python/issues/7689",
                 "3.23.0 (PyPI 2025-11-13) is layer :27; the docs moved to :27 in pull/7757"),
    LayerRelease(POWERTOOLS_312, None, 27, "aws-lambda-powertools", "3.23.0",
                 "https://github.com/aws-powertools/powertools-lambda-python/issues/7689",
                 "Powertools publishes each release for every Python version under the same layer version"),
)

_LAYER_ARN = re.compile(r"^arn:[^:]+:lambda:(?P<region>[^:]+):\d{12}:layer:(?P<name>[A-Za-z0-9_-]+):(?P<version>\d+)$")


def parse_layer_arn(arn: str) -> Tuple[str, str, int]:
    """(region, layer name, version) of a layer version ARN."""
    m = _LAYER_ARN.match(arn)
    if not m:
        raise ValueError(f"not a Lambda layer version ARN: {arn!r}")
    return m["region"], m["name"], int(m["version"])


def read_lock(path: Path = MAIN_LOCK) -> Dict[str, str]:
    """``name==version`` lines of a lock file, by canonical distribution name."""
    pins: Dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        if len(specs) != 1 or specs[0].operator != "==":
            raise ValueError(f"{path.name}: {line!r} is not an exact pin")
        pins[canonicalize_name(req.name)] = specs[0].version
    return pins


def layer_problems(layer_arns: Iterable[str], lock: Mapping[str, str],
                   releases: Iterable[LayerRelease] = LAYER_RELEASES) -> List[str]:
    """Each layer ARN whose documented library version differs from the lock, or is not documented."""
    rows = list(releases)
    problems = []
    for arn in layer_arns:
        region, name, version = parse_layer_arn(arn)
        known = [r for r in rows if r.layer == name and r.region in (None, region)]
        if not known:
            problems.append(f"{name}: no documented release in infra/layers.py (region {region})")
            continue
        row = next((r for r in known if r.version == version), None)
        if row is None:
            documented = ", ".join(f":{r.version} = {r.library} {r.library_version}" for r in known)
            problems.append(f"{name}:{version} in {region}: not in infra/layers.py ({documented}); add the "
                            f"version it holds from the layer's documentation")
            continue
        locked = lock.get(canonicalize_name(row.library))
        if locked != row.library_version:
            problems.append(f"{name}:{version} in {region} holds {row.library} {row.library_version} "
                            f"({row.source}) but requirements.lock pins {locked or 'nothing'}")
    return problems


@dataclass(frozen=True)
class LayerContents:
    """What a layer's build installs: ``pip install <requirement>``, then deletes ``removed``."""

    name: str
    requirement: str
    removed: Tuple[str, ...]
    source: str


LAYER_CONTENTS: Tuple[LayerContents, ...] = (
    LayerContents(
        AWS_SDK_PANDAS, "awswrangler[redshift,mysql,postgres,gremlin,opensearch,openpyxl]",
        ("boto3", "botocore", "urllib3", "s3transfer"),
        "https://github.com/aws/aws-sdk-pandas/blob/main/building/lambda/build-lambda-layer.sh",
    ),
    LayerContents(
        POWERTOOLS, "aws-lambda-powertools[all]",
        ("boto3", "botocore", "s3transfer", "python-dateutil", "urllib3", "six", "jmespath"),
        "https://github.com/aws-powertools/powertools-lambda-python/blob/develop/layer_v3/docker/Dockerfile",
    ),
)
# The Python 3.11 runtime's own packages (/var/runtime): the AWS SDK and what it needs.
LAMBDA_RUNTIME = LayerContents(
    "python3.11 runtime", "boto3", (), "https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html")


@dataclass(frozen=True)
class Closure:
    """Distributions of a requirement's closure: installed here, and named but not installed here."""

    installed: Tuple[metadata.Distribution, ...]
    absent: Tuple[str, ...]

    def names(self) -> Set[str]:
        return {canonicalize_name(d.metadata["Name"]) for d in self.installed}


def _installed(name: str) -> Optional[metadata.Distribution]:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def layer_distributions(contents: LayerContents) -> Closure:
    """The dependency closure of ``contents.requirement`` (extras included, markers evaluated for
    this interpreter, which runs the Lambda runtime's Python), less the distributions the build
    deletes. Closure members not installed in this environment are returned as ``absent``."""
    environment = dict(default_environment())
    extras_seen: Dict[str, Set[str]] = {}
    found: Dict[str, metadata.Distribution] = {}
    absent: Set[str] = set()
    queue = [Requirement(contents.requirement)]
    while queue:
        req = queue.pop()
        key = canonicalize_name(req.name)
        extras = set(req.extras)
        if key in extras_seen and extras <= extras_seen[key]:
            continue
        extras_seen.setdefault(key, set()).update(extras)
        dist = _installed(key)
        if dist is None:
            absent.add(key)
            continue
        found[key] = dist
        for line in dist.requires or []:
            dep = Requirement(line)
            wanted = dep.marker is None or any(
                dep.marker.evaluate({**environment, "extra": extra}) for extra in (extras_seen[key] | {""}))
            if wanted:
                queue.append(dep)
    removed = {canonicalize_name(n) for n in contents.removed}
    return Closure(
        installed=tuple(sorted((d for k, d in found.items() if k not in removed), key=lambda d: d.metadata["Name"].lower())),
        absent=tuple(sorted(absent - removed)),
    )


def _top_levels(dist: metadata.Distribution) -> Dict[str, List[Path]]:
    """The distribution's files (RECORD) by their first path component inside site-packages."""
    if dist.files is None:
        raise RuntimeError(f"{dist.metadata['Name']}: no RECORD, cannot tell which files it installed")
    tops: Dict[str, List[Path]] = {}
    for f in dist.files:
        parts = Path(str(f)).parts
        if not parts or parts[0] == ".." or parts[0] == "__pycache__" or "__pycache__" in parts:
            continue
        if len(parts) == 1 and parts[0].endswith(".pth"):
            continue  # path hooks run only under the site module
        tops.setdefault(parts[0], []).append(Path(*parts))
    return tops


@lru_cache(maxsize=1)
def _owners() -> Dict[Tuple[Path, str], FrozenSet[str]]:
    """(site directory, top-level name) -> the installed distributions writing under it."""
    owners: Dict[Tuple[Path, str], Set[str]] = {}
    for d in metadata.distributions():
        if d.files is None:
            continue
        base = Path(str(d.locate_file(""))).resolve()
        for top in _top_levels(d):
            owners.setdefault((base, top), set()).add(canonicalize_name(d.metadata["Name"]))
    return {k: frozenset(v) for k, v in owners.items()}


def link_distributions(target: Path, dists: Iterable[metadata.Distribution]) -> None:
    """Make ``target`` a site directory holding exactly the files of ``dists``, as symlinks.

    A top-level name only these distributions install becomes one symlink; a name other
    installed distributions also write under (a namespace package) gets a real directory with
    one symlink per file of these distributions, so nothing else leaks in.
    """
    chosen = list(dists)
    chosen_names = {canonicalize_name(d.metadata["Name"]) for d in chosen}
    owners = _owners()
    target.mkdir(parents=True, exist_ok=True)
    for dist in chosen:
        base = Path(str(dist.locate_file(""))).resolve()
        for top, files in _top_levels(dist).items():
            dest = target / top
            whole = owners.get((base, top), frozenset()) <= chosen_names and (base / top).exists()
            if whole and not os.path.lexists(dest):
                dest.symlink_to(base / top)
                continue
            if os.path.islink(dest):
                continue  # the whole name is already linked: never write through it
            for rel in files:
                src = base / rel
                if not src.exists():
                    continue
                out = target / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                if not os.path.lexists(out):
                    out.symlink_to(src)

"""Docker-free packaging: the Lambda bundle, the Glue library wheel and the views' SQL hash."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile

import pytest

from infra.constructs.packaging import (
    LIBRARY_SOURCE,
    VENDORED_PACKAGES,
    lambda_bundle,
    library_version,
    library_wheel,
    sql_hash,
)

pytestmark = pytest.mark.infra


def bundle_paths():
    return {dest for dest, _ in lambda_bundle().entries}


def test_lambda_bundle_holds_handlers_library_sql_and_vendored_packages():
    tops = {dest.split("/", 1)[0] for dest in bundle_paths()}
    assert {"lambdas", "saleslens", "athena_sql", *VENDORED_PACKAGES} <= tops
    assert "saleslens/config.py" in bundle_paths() and "jinja2/__init__.py" in bundle_paths()


def test_lambda_bundle_leaves_out_the_offline_runtime_caches_and_binaries():
    paths = bundle_paths()
    assert not any(p.startswith("saleslens/offline/") for p in paths)
    assert not any("__pycache__" in p or p.endswith((".pyc", ".so")) for p in paths)


def test_every_stack_shares_one_staged_lambda_asset_holding_exactly_the_bundle(synth):
    staged = [d for d in synth.outdir.glob("asset.*") if d.is_dir() and (d / "lambdas").is_dir()]
    assert len(staged) == 1
    assert {p.relative_to(staged[0]).as_posix() for p in staged[0].rglob("*") if p.is_file()} == bundle_paths()


def test_library_wheel_is_byte_for_byte_reproducible(tmp_path):
    first = library_wheel(tmp_path / "a").read_bytes()
    second = library_wheel(tmp_path / "b").read_bytes()
    assert first == second


def test_library_wheel_has_a_valid_name_and_record(tmp_path):
    wheel = library_wheel(tmp_path)
    assert wheel.name == f"saleslens-{library_version()}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        dist_info = f"saleslens-{library_version()}.dist-info"
        rows = list(csv.reader(io.StringIO(zf.read(f"{dist_info}/RECORD").decode())))
        assert {r[0] for r in rows} == set(zf.namelist())
        for name, digest, size in rows:
            if name != f"{dist_info}/RECORD":
                data = zf.read(name)
                expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert (digest, int(size)) == (f"sha256={expected}", len(data)), name


def test_library_wheel_ships_the_library_without_the_offline_runtime(tmp_path):
    with zipfile.ZipFile(library_wheel(tmp_path)) as zf:
        names = set(zf.namelist())
    library = {f"saleslens/{p.relative_to(LIBRARY_SOURCE).as_posix()}" for p in LIBRARY_SOURCE.rglob("*.py")
               if "__pycache__" not in p.parts and p.relative_to(LIBRARY_SOURCE).parts[0] != "offline"}
    assert library <= names and not any(n.startswith("saleslens/offline/") for n in names)


def test_sql_hash_changes_when_any_sql_file_changes(tmp_path):
    (tmp_path / "marts").mkdir()
    view = tmp_path / "marts" / "mart_x.sql"
    view.write_text("select 1")
    before = sql_hash(tmp_path)
    view.write_text("select 2")
    assert sql_hash(tmp_path) != before


def test_sql_hash_ignores_files_that_are_not_sql(tmp_path):
    (tmp_path / "a.sql").write_text("select 1")
    before = sql_hash(tmp_path)
    (tmp_path / "README.md").write_text("notes")
    assert sql_hash(tmp_path) == before

"""The conform job on the runtime it will have: Python 3.9 with glue_jobs/requirements-glue.lock.

`make glue39` runs this folder, with the validation and contract tests, on Python 3.9 with exactly
the Glue lock installed (the wheels Amazon Linux 2 takes, plus the test tools of
tests/glue39/requirements.lock); the main suite runs it on the development venv too. Python
3.9-safe.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Dict, Set

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
GLUE_LOCK = ROOT / "glue_jobs" / "requirements-glue.lock"
MAIN_LOCK = ROOT / "requirements.lock"
JOB = ROOT / "glue_jobs" / "conform.py"
# What every Glue Python shell has before our pins: the AWS SDK and what it needs.
GLUE_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> Dict[str, str]:
    out = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        pin = line.split("#", 1)[0].strip()
        if pin:
            name, _, version = pin.partition("==")
            out[canonical(name)] = version
    return out


def top_levels(distribution: str) -> Set[str]:
    """Importable top-level names a distribution installs (from its RECORD)."""
    files = metadata.distribution(distribution).files or []
    names = set()
    for f in files:
        first = Path(str(f)).parts[0]
        if first.endswith((".dist-info", ".data")) or first in ("..", "__pycache__"):
            continue
        names.add(first[:-3] if first.endswith(".py") else first.split(".", 1)[0])
    return names


def test_the_job_libraries_are_this_runtimes_lock():
    """On Python 3.9 (make glue39) exactly the Glue lock; in the development venv, its own lock."""
    lock = pins(GLUE_LOCK if sys.version_info[:2] == (3, 9) else MAIN_LOCK)
    installed = {name: metadata.version(name) for name in pins(GLUE_LOCK)}
    assert installed == {name: lock[name] for name in installed}


def test_the_string_to_date32_cast_the_contracts_rely_on_works():
    """Unsupported on pyarrow 7 to 13 ("Unsupported cast from string to date32")."""
    cast = pc.cast(pa.array(["2024-01-05", "1999-12-31", None]), pa.date32())
    assert cast.to_pylist() == [dt.date(2024, 1, 5), dt.date(1999, 12, 31), None]
    assert int(pa.__version__.split(".")[0]) >= 14


OPTIONAL_WHEN_INSTALLED = {"cloudpickle"}


def test_the_job_script_imports_only_the_standard_library_its_lock_and_glue_s_own():
    """Import glue_jobs/conform.py (not as __main__) in a fresh interpreter and list what it loads."""
    code = (
        "import json, runpy, sys, sysconfig\n"
        f"sys.path.insert(0, {str(ROOT / 'src')!r})\n"
        "before = set(sys.modules)\n"
        f"runpy.run_path({str(JOB)!r}, run_name='conform_job')\n"
        "std = tuple(p for p in (sysconfig.get_paths()['stdlib'], sysconfig.get_paths()['platstdlib']) if p)\n"
        "loaded = set()\n"
        "for name in set(sys.modules) - before:\n"
        "    f = getattr(sys.modules[name], '__file__', None)\n"
        "    if f and not (f.startswith(std) and 'site-packages' not in f):\n"
        "        loaded.add(name.split('.')[0])\n"
        "print(json.dumps(sorted(loaded)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT), timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    # pyarrow.lib imports cloudpickle when it is installed (try/except); the main environment has
    # it (statsforecast's), Glue's does not, and the same test on the Glue lock (make glue39)
    # runs the job without it.
    allowed = {"saleslens"} | GLUE_PROVIDED | OPTIONAL_WHEN_INSTALLED
    for name in pins(GLUE_LOCK):
        allowed |= top_levels(name)
    assert "pyarrow" in loaded and "saleslens" in loaded
    assert loaded <= allowed, sorted(loaded - allowed)


def test_the_job_writes_clean_rows_as_parquet_with_contract_types():
    from saleslens.contracts import DATASETS
    from saleslens.contracts.validation import conform_bytes
    from saleslens.ingest.conform import parquet_bytes

    csv = (
        "invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount\n"
        "INV202401050001,1,2024-01-05,STK00001,SKU00001,10,1,12.50,0.00\n"
        "INV202401050001,2,2024-01-05,STK00001,SKU00002,3,0,0.29,1.05\n"
    ).encode()
    result = conform_bytes(DATASETS["erp_primary_invoices"], csv)
    table = pq.read_table(pa.BufferReader(parquet_bytes(result.clean)))
    assert (result.rows_in, result.rows_clean, table.num_rows) == (2, 2, 2)
    assert table.schema.field("invoice_date").type == pa.date32()
    assert table.column("invoice_date").to_pylist() == [dt.date(2024, 1, 5)] * 2
    assert table.column("billed_qty").to_pylist() == [10, 3]


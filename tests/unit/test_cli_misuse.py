"""Misuses of the main-job commands: one line on stderr naming the problem, exit 2, no traceback,
and nothing generated or run first."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator, List

import pytest
from typer.testing import CliRunner

from saleslens.cli import app
from saleslens.config import DEFAULT_CONFIG


def _one_line(result) -> str:  # type: ignore[no-untyped-def]
    """The single stderr line of a refused command (and proof nothing else ran)."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and lines[0][len("error: "):].strip(), result.stderr
    assert result.stdout == ""  # refused before generating anything
    return lines[0]


@pytest.mark.parametrize("command", ["demo", "generate"])
def test_an_unknown_scale_lists_the_valid_ones(command):
    line = _one_line(CliRunner().invoke(app, [command, "--scale", "huge"]))
    assert line.startswith("error: Invalid value for '--scale': 'huge' is not one of tiny, small, usv")
    assert line.endswith(f"(see 'root {command} --help')")


@pytest.mark.parametrize("args,option", [(["demo", "--cadence", "weekly"], "--cadence"),
                                         (["run", "--landing", ".", "--cadence", "weekly"], "--cadence"),
                                         (["generate", "--dirt", "lots"], "--dirt"), (["offline", "serve", "--scale", "huge"], "--scale")])
def test_other_enum_options_list_the_valid_ones(args, option):
    assert _one_line(CliRunner().invoke(app, args)).startswith(f"error: Invalid value for '{option}': ")


# -- unwritable --out ------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["demo", "generate"])
def test_out_that_is_a_file(tmp_path, command):
    (tmp_path / "afile").write_text("mine")
    line = _one_line(CliRunner().invoke(app, [command, "--out", str(tmp_path / "afile")]))
    assert line == f"error: --out {tmp_path / 'afile'}: is a file, not a folder"
    assert (tmp_path / "afile").read_text() == "mine"


@pytest.mark.parametrize("command", ["demo", "generate"])
def test_out_under_a_path_whose_parent_is_a_file(tmp_path, command):
    (tmp_path / "afile").write_text("mine")
    line = _one_line(CliRunner().invoke(app, [command, "--out", str(tmp_path / "afile" / "sub" / "out")]))
    assert line == f"error: --out {tmp_path / 'afile' / 'sub' / 'out'}: {tmp_path / 'afile'} is a file, not a folder"


@pytest.fixture()
def shared_tmp() -> Iterator[Path]:
    """A folder any user can enter (pytest's tmp_path is private to its owner)."""
    path = Path(tempfile.mkdtemp(prefix="saleslens-ro-"))
    path.chmod(0o755)
    yield path
    for p in path.rglob("*"):
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(path)


def _unprivileged() -> List[str]:
    """Root writes through a read-only folder's permissions: as root, run the CLI as `nobody`."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "as root this test needs util-linux's setpriv to run the CLI as an unprivileged user"
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.parametrize("command,out", [("demo", "ro/out"), ("demo", "ro"), ("generate", "ro/out"), ("generate", "ro")])
def test_out_in_or_under_a_read_only_folder(shared_tmp, command, out):
    (shared_tmp / "ro").mkdir()
    (shared_tmp / "ro").chmod(0o555)
    env = {k: v for k, v in os.environ.items() if k != "SALESLENS_CONFIG"} | {"HOME": str(shared_tmp)}
    done = subprocess.run([*_unprivileged(), sys.executable, "-m", "saleslens.cli", command, "--out", str(shared_tmp / out)],
                          capture_output=True, text=True, cwd=shared_tmp, env=env, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    verb = "create the folder" if out.endswith("/out") else "write into the folder"
    assert done.stderr == f"error: --out {shared_tmp / out}: cannot {verb}: Permission denied\n"
    assert done.stdout == ""


# -- config errors under demo ----------------------------------------------------------------------
def _bad_stage(path: Path) -> None:
    raw = json.loads(DEFAULT_CONFIG.read_text())
    raw["stage"] = "Prod 1"
    path.write_text(json.dumps(raw))


CONFIG_CASES: List = [
    ("missing", lambda p: None, "config file not found"),
    ("directory", lambda p: p.mkdir(), "is a directory, not a config file"),
    ("truncated", lambda p: p.write_bytes(DEFAULT_CONFIG.read_bytes()[:200]), "not valid JSON: "),
    ("array", lambda p: p.write_text("[]"), "must hold a JSON object of settings, got an array"),
    ("binary", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00"), "not UTF-8 text (byte 0x89 at offset 0)"),
    ("bad stage", _bad_stage, 'stage: must be lowercase letters, digits and hyphens, starting with a letter and not '
                              'ending with a hyphen, got "Prod 1"'),
]


@pytest.mark.parametrize("case,write,problem", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_a_bad_config_under_demo(tmp_path, case, write, problem):
    path = tmp_path / "saleslens.json"
    write(path)
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "out")], env={"SALESLENS_CONFIG": str(path)})
    line = _one_line(result)
    assert line.startswith(f"error: {path}: {problem}"), line
    assert not (tmp_path / "out").exists()  # the config is checked before anything is written


def test_a_bad_config_under_run(tmp_path):
    env = {"SALESLENS_CONFIG": str(tmp_path / "missing.json")}
    line = _one_line(CliRunner().invoke(app, ["run", "--landing", str(tmp_path), "--out", str(tmp_path / "o")], env=env))
    assert line == f"error: {tmp_path / 'missing.json'}: config file not found"


# -- --out that holds someone else's files ---------------------------------------------------------
def test_demo_refuses_an_out_holding_files_no_run_wrote_and_leaves_them(tmp_path):
    mine = tmp_path / "reports" / "my-notes.txt"
    mine.parent.mkdir(parents=True)
    mine.write_text("keep me")
    line = _one_line(CliRunner().invoke(app, ["demo", "--out", str(tmp_path)]))
    assert line == (f"error: --out {tmp_path}: already holds reports but no .saleslens-manifest.json says saleslens "
                    "wrote them; move them away or choose another --out")
    assert mine.read_text() == "keep me"


def test_no_arguments_prints_the_help():
    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2 and "Usage" in result.stdout and result.stderr == ""

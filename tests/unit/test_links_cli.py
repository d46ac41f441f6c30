"""Misuses of `saleslens links`: one line on stderr, exit 2, before any AWS call."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from saleslens.cli import app


@pytest.mark.parametrize("args,line", [
    (["revoke"], "error: give --link, or both --employee and --position"),
    (["revoke", "--employee", "E000001"], "error: give --link, or both --employee and --position"),
    (["revoke", "--link", "https://x/?t=v1.a.b", "--employee", "E1", "--position", "P1"],
     "error: give --link, or both --employee and --position"),
    (["revoke", "--link", "https://example.com/?t=not-a-token"], "error: --link is not a report link or its token"),
    (["opens", "--since", "last week"],
     "error: --since must be a date or date-time such as 2026-11-20 or 2026-11-20T09:30, got 'last week'"),
])
def test_a_misuse_is_one_line_and_exit_2(args, line):
    result = CliRunner().invoke(app, ["links", *args], env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [line] and result.stdout == ""

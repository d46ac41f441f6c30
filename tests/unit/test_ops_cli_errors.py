"""The ops commands' answers when they cannot reach AWS: one line on stderr, exit code 2."""
from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from saleslens.cli import app


@pytest.fixture()
def bare_env(monkeypatch, tmp_path):
    """No credentials, region or endpoint from anywhere in the standard chain."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_WEB_IDENTITY_TOKEN_FILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("args", [["runs"], ["runs", "--pipeline", "curation"], ["runs", "show", "some-run"], ["redrive", "some-run"],
                                  ["curate", "--rebuild"]])
def test_no_credentials(bare_env, args):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no AWS credentials found: configure a profile")
    assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_no_region(bare_env, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    result = CliRunner().invoke(app, ["runs"])
    assert result.exit_code == 2
    assert result.stderr == "error: no AWS region set: pass --region or set AWS_REGION (the config deploys to ap-south-1)\n"


def test_unreachable_offline_endpoint(bare_env, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    result = CliRunner().invoke(app, ["runs", "--endpoint-url", endpoint, "--region", "ap-south-1"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot reach {endpoint}")
    assert "saleslens offline serve" in result.stderr and result.stderr.count("\n") == 1


def test_endpoint_comes_from_aws_endpoint_url_too(bare_env, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    result = CliRunner().invoke(app, ["redrive", "some-run", "--account", "123456789012", "--region", "ap-south-1"])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: cannot reach {endpoint}")


def test_rebuild_from_an_unreachable_endpoint(bare_env, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    result = CliRunner().invoke(app, ["curate", "--rebuild", "--endpoint-url", endpoint,
                                      "--region", "ap-south-1", "--account", "123456789012"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot reach {endpoint}") and result.stderr.count("\n") == 1
    assert result.stdout.startswith("rebuilding every curated table from s3://saleslens-dev-clean-123456789012-ap-south-1 into ")


def test_an_unknown_pipeline_is_refused_before_anything_else(bare_env):
    result = CliRunner().invoke(app, ["runs", "--pipeline", "curate"])
    assert (result.exit_code, result.stderr) == (
        2, "error: unknown pipeline 'curate'; expected one of ingest, curation, distribution, training, forecast\n")


def test_curate_without_rebuild_says_what_it_does(bare_env):
    result = CliRunner().invoke(app, ["curate"])
    assert result.exit_code == 2 and result.stderr.startswith("error: nothing to do: pass --rebuild") and result.stderr.count("\n") == 1


def test_curate_rebuild_help_says_what_it_needs_and_that_curation_must_not_run_meanwhile():
    result = CliRunner().invoke(app, ["curate", "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.exit_code == 0
    text = " ".join(result.stdout.replace("│", " ").split())
    for phrase in ("read on the clean bucket", "read/write on the curated bucket", "Curation runs must not run at the same time",
                   "reserved concurrency of 1 serialises only the function", "refuses to start while a curation run is RUNNING"):
        assert phrase in text, phrase


def test_existing_commands_are_still_there():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "generate", "runs", "redrive", "curate", "offline"):
        assert command in result.stdout

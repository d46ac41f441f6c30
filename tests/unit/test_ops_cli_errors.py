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


@pytest.mark.parametrize("args", [["runs"], ["runs", "show", "some-run"], ["redrive", "some-run"]])
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


def test_existing_commands_are_still_there():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "generate", "runs", "redrive", "offline"):
        assert command in result.stdout

"""`saleslens model train|evaluate` on moto's AWS: one-line errors, then a training run and its evaluation."""
from __future__ import annotations

from typing import Any, Iterator

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from saleslens.cli import app
from saleslens.config import load_config
from saleslens.scoring.score import clear_cache
from tests.unit.test_scoring_job import _curate

ACCOUNT = "123456789012"  # moto's account
REGION = "ap-south-1"


@pytest.fixture()
def curated(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's S3 with the config's curated bucket, empty; yields (client, bucket)."""
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_REGION", REGION)):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    clear_cache()
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        bucket = load_config().bucket_name("curated", ACCOUNT, REGION)
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield s3, bucket
    clear_cache()


def test_train_without_curated_crm_data_is_one_line(curated: Any) -> None:
    result = CliRunner().invoke(app, ["model", "train", "--now", "2025-03-31"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: no curated CRM data yet in s3://") and result.stderr.count("\n") == 1


def test_evaluate_without_a_champion_is_one_line(curated: Any) -> None:
    result = CliRunner().invoke(app, ["model", "evaluate", "--model", "proposal"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no proposal champion yet at s3://") and result.stderr.count("\n") == 1
    bad = CliRunner().invoke(app, ["model", "evaluate", "--model", "closing"])
    assert bad.exit_code == 2 and bad.stderr == "error: --model 'closing': expected one of creation, proposal\n"
    bad_now = CliRunner().invoke(app, ["model", "train", "--now", "yesterday"])
    assert bad_now.exit_code == 2 and bad_now.stderr.startswith("error: --now 'yesterday' is not an ISO date")


def test_train_then_evaluate(curated: Any) -> None:
    s3, bucket = curated
    _curate(s3, bucket)
    trained = CliRunner().invoke(app, ["model", "train", "--now", "2025-03-31T06:00:00Z"])
    assert trained.exit_code == 0, trained.stderr
    lines = trained.stdout.splitlines()
    assert lines[0].startswith("trained on 1500 opportunities (") and lines[0].endswith("as of 2025-03-31")
    assert lines[1].startswith("  creation: ") and "promoted to champion" in lines[1]
    assert lines[2].startswith("  proposal: ") and "promoted to champion" in lines[2]
    shown = CliRunner().invoke(app, ["model", "evaluate", "--model", "creation"])
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.startswith("== creation champion creation-20250331T060000Z-")
    assert "baseline (account type x source)" in shown.stdout and "last challenger" not in shown.stdout

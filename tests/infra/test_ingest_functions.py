"""What the ingest functions the state machine invokes may touch."""
from __future__ import annotations

from typing import Set, Tuple

import pytest

from saleslens import components, ledger
from tests.infra.cfn import export_of, function_role, role_grants

pytestmark = pytest.mark.infra

ACCOUNT, REGION = "<AWS::AccountId>", "<AWS::Region>"


def grants(synth, key: str) -> Set[Tuple[str, str]]:
    template = synth.json("ingestion")
    return role_grants(template, function_role(template, synth.cfg.name(key)))


def objects(synth, zone: str, pattern: str = "*") -> str:
    return f"arn:<AWS::Partition>:s3:::{synth.cfg.bucket_name(zone, ACCOUNT, REGION)}/{pattern}"


def test_quarantine_file_reads_landing_and_writes_quarantine_files_only(synth):
    s3 = {g for g in grants(synth, "quarantine-file") if g[0].startswith("s3:") and g[1].endswith("*")}
    assert s3 == {("s3:GetObject", objects(synth, "landing")),
                  ("s3:PutObject", objects(synth, "quarantine", "_files/*")),
                  ("s3:AbortMultipartUpload", objects(synth, "quarantine", "_files/*"))}


def test_quarantine_file_uses_the_lake_key_to_read_and_write(synth):
    kms = {g for g in grants(synth, "quarantine-file") if g[0].startswith("kms:")}
    lake_key = export_of(synth, "lake", "LakeKey")
    assert kms == {(a, lake_key) for a in ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")}


def test_check_quality_queries_the_run_ledgers_by_dataset_index_only(synth):
    dynamodb = {g for g in grants(synth, "check-quality") if g[0].startswith("dynamodb:")}
    table = synth.cfg.name(components.RUN_LEDGER_TABLE)
    assert dynamodb == {("dynamodb:Query", f"arn:<AWS::Partition>:dynamodb:{REGION}:{ACCOUNT}:table/{table}/index/"
                                           f"{ledger.BY_DATASET}")}


def test_check_quality_can_decrypt_the_ledger(synth):
    assert ("kms:Decrypt", export_of(synth, "lake", "LakeKey")) in grants(synth, "check-quality")


@pytest.mark.parametrize("key", ["validate-file", "quarantine-file", "check-quality"])
def test_ingest_task_functions_write_no_ledger_and_start_nothing(synth, key):
    actions = {a for a, _ in grants(synth, key)}
    assert not {a for a in actions if a.startswith(("states:", "events:", "sns:"))}
    assert not {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} & actions

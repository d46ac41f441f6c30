"""The run ledger (DynamoDB), as the ingest and curate state machines write it and the quality gate reads it."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Dict, List

import pytest

from saleslens import components, ledger
from tests.infra.cfn import export_of, flat

pytestmark = pytest.mark.infra


def run_ledger(synth) -> Dict[str, Any]:
    (table,) = [r for _, _, r in synth.resources("AWS::DynamoDB::Table", ("ingestion",))
                if r["Properties"]["TableName"] == synth.cfg.name(components.RUN_LEDGER_TABLE)]
    return table


class _RecordingDynamoDB:
    """Stands in for the boto3 client the offline runtime provisions the ledger with."""

    def __init__(self) -> None:
        self.calls: List[tuple] = []

    def create_table(self, **kwargs: Any) -> Dict[str, Any]:
        self.calls.append(("create_table", kwargs))
        return {}

    def update_time_to_live(self, **kwargs: Any) -> Dict[str, Any]:
        self.calls.append(("update_time_to_live", kwargs))
        return {}


@pytest.fixture(scope="module")
def offline_ledger(cfg) -> Dict[str, Dict[str, Any]]:
    """What ``OfflineRuntime._provision_run_ledger`` asks DynamoDB for, call by call."""
    from saleslens.offline import runtime

    (cls,) = [c for c in vars(runtime).values() if isinstance(c, type) and "_provision_run_ledger" in vars(c)]
    ddb = _RecordingDynamoDB()
    cls._provision_run_ledger(SimpleNamespace(cfg=cfg), ddb)
    return dict(ddb.calls)


def _by_name(items: List[Dict[str, Any]], key: str) -> Dict[str, Any]:
    return {item[key]: item for item in items}


def test_run_ledger_key_schema_and_attributes_equal_the_offline_runtime(synth, offline_ledger):
    props, offline = run_ledger(synth)["Properties"], offline_ledger["create_table"]
    assert props["TableName"] == offline["TableName"]
    assert props["KeySchema"] == offline["KeySchema"]
    assert _by_name(props["AttributeDefinitions"], "AttributeName") == _by_name(
        offline["AttributeDefinitions"], "AttributeName")


def test_run_ledger_indexes_equal_the_offline_runtime(synth, offline_ledger):
    deployed = _by_name(run_ledger(synth)["Properties"]["GlobalSecondaryIndexes"], "IndexName")
    offline = _by_name(offline_ledger["create_table"]["GlobalSecondaryIndexes"], "IndexName")
    assert deployed == offline


def test_run_ledger_is_on_demand_like_the_offline_runtime(synth, offline_ledger):
    assert run_ledger(synth)["Properties"]["BillingMode"] == offline_ledger["create_table"]["BillingMode"] == (
        "PAY_PER_REQUEST")


def test_run_ledger_expires_items_on_the_offline_runtimes_ttl_attribute(synth, offline_ledger):
    assert run_ledger(synth)["Properties"]["TimeToLiveSpecification"] == (
        offline_ledger["update_time_to_live"]["TimeToLiveSpecification"])


def test_run_ledger_is_keyed_by_run_id_with_indexes_by_dataset_and_pipeline_sorted_by_start(synth):
    props = run_ledger(synth)["Properties"]
    assert props["KeySchema"] == [{"AttributeName": ledger.KEY, "KeyType": "HASH"}]
    indexes = {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in props["GlobalSecondaryIndexes"]}
    assert indexes == {
        index: ([{"AttributeName": hash_key, "KeyType": "HASH"}, {"AttributeName": "started_at", "KeyType": "RANGE"}],
                {"ProjectionType": "ALL"})
        for index, hash_key in ((ledger.BY_DATASET, "dataset"), (ledger.BY_PIPELINE, "pipeline"))
    }
    assert props["TimeToLiveSpecification"] == {"AttributeName": ledger.TTL_ATTRIBUTE, "Enabled": True}


def test_run_ledger_has_point_in_time_recovery(synth):
    assert run_ledger(synth)["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_run_ledger_is_encrypted_with_the_lake_key(synth):
    sse = run_ledger(synth)["Properties"]["SSESpecification"]
    assert (sse["SSEEnabled"], sse["SSEType"]) == (True, "KMS")
    assert flat(sse["KMSMasterKeyId"]) == export_of(synth, "lake", "LakeKey")


def test_run_ledger_is_retained_by_default(synth):
    table = run_ledger(synth)
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_functions_are_told_the_run_ledger_table(synth):
    ours = {synth.cfg.name(k) for k in components.LAMBDAS}
    names = {r["Properties"]["Environment"]["Variables"]["RUN_LEDGER_TABLE"]
             for _, _, r in synth.resources("AWS::Lambda::Function", ("ingestion", "curation", "distribution"))
             if r["Properties"].get("FunctionName") in ours}
    assert names == {run_ledger(synth)["Properties"]["TableName"]}

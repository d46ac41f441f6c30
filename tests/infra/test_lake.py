"""LakeStack: key, zone buckets, Glue catalog, Athena workgroup (and the buckets of other stacks)."""
from __future__ import annotations

import json
from typing import Any, Dict, Tuple

import pytest
from aws_cdk.assertions import Match

from saleslens.config import ZONES
from saleslens.contracts import DATASETS
from saleslens.contracts.ddl import glue_quarantine_table_input, glue_table_input
from saleslens.curate import tables as curated
from tests.infra.cfn import flat, resolved

pytestmark = pytest.mark.infra

ACCOUNT, REGION = "<AWS::AccountId>", "<AWS::Region>"


def zone_buckets(synth) -> Dict[str, Tuple[str, Dict[str, Any]]]:
    by_name = {flat(r["Properties"].get("BucketName")): (lid, r) for _, lid, r in synth.resources("AWS::S3::Bucket", ("lake",))}
    return {zone: by_name[synth.cfg.bucket_name(zone, ACCOUNT, REGION)] for zone in ZONES if
            synth.cfg.bucket_name(zone, ACCOUNT, REGION) in by_name}


def all_buckets(synth):
    return list(synth.resources("AWS::S3::Bucket"))


def lake_key_id(synth) -> str:
    (_, logical_id, _), = synth.resources("AWS::KMS::Key", ("lake",))
    return logical_id


def test_every_zone_has_a_bucket_named_from_config(synth):
    assert set(zone_buckets(synth)) == set(ZONES)


def test_zone_buckets_are_encrypted_with_the_lake_key(synth):
    key = lake_key_id(synth)
    for zone, (_, bucket) in zone_buckets(synth).items():
        if zone == "access-logs":
            continue
        rule = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": [key, "Arn"]}}, zone


def test_access_logs_bucket_uses_s3_managed_encryption(synth):
    _, bucket = zone_buckets(synth)["access-logs"]
    rule = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_every_bucket_is_kms_or_s3_encrypted(synth):
    for stack, logical_id, bucket in all_buckets(synth):
        default = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
        assert default["SSEAlgorithm"] in ("aws:kms", "AES256"), (stack, logical_id)


def test_every_bucket_blocks_public_access(synth):
    for stack, logical_id, bucket in all_buckets(synth):
        assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }, (stack, logical_id)


def test_every_bucket_policy_denies_requests_without_tls(synth):
    for stack, logical_id, _ in all_buckets(synth):
        policies = [p for _, _, p in synth.resources("AWS::S3::BucketPolicy", (stack,))
                    if p["Properties"]["Bucket"] == {"Ref": logical_id}]
        statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
        assert any(s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
                   for s in statements), (stack, logical_id)


def test_every_bucket_is_versioned(synth):
    for stack, logical_id, bucket in all_buckets(synth):
        assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}, (stack, logical_id)


def test_every_bucket_is_retained_by_default(synth):
    for stack, logical_id, bucket in all_buckets(synth):
        assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain"), (stack, logical_id)


def test_buckets_are_destroyed_and_emptied_with_destroy_data(destroy_lake):
    buckets = destroy_lake.find_resources("AWS::S3::Bucket")
    assert buckets and all(b["DeletionPolicy"] == "Delete" for b in buckets.values())
    destroy_lake.resource_count_is("Custom::S3AutoDeleteObjects", len(buckets))


def test_lake_key_is_destroyed_with_destroy_data(destroy_lake):
    destroy_lake.has_resource("AWS::KMS::Key", {"DeletionPolicy": "Delete"})


def test_zone_buckets_log_requests_to_the_access_logs_bucket(synth):
    buckets = zone_buckets(synth)
    logs_id, _ = buckets["access-logs"]
    for zone, (_, bucket) in buckets.items():
        if zone != "access-logs":
            assert bucket["Properties"]["LoggingConfiguration"] == {
                "DestinationBucketName": {"Ref": logs_id}, "LogFilePrefix": f"{zone}/"}, zone


def test_only_the_landing_bucket_sends_events_to_eventbridge(synth):
    ids = {lid: zone for zone, (lid, _) in zone_buckets(synth).items()}
    notifying = {ids[r["Properties"]["BucketName"]["Ref"]]
                 for _, _, r in synth.resources("Custom::S3BucketNotifications", ("lake",))
                 if "EventBridgeConfiguration" in r["Properties"]["NotificationConfiguration"]}
    assert notifying == {"landing"}


def lifecycle(synth, zone):
    return zone_buckets(synth)[zone][1]["Properties"]["LifecycleConfiguration"]["Rules"]


def test_every_zone_expires_noncurrent_versions_after_configured_days(synth):
    days = synth.cfg.lake.noncurrent_version_expiry_days
    for zone in ZONES:
        assert {"NoncurrentDays": days} in [r.get("NoncurrentVersionExpiration") for r in lifecycle(synth, zone)], zone


def test_landing_moves_to_infrequent_access_after_configured_days(synth):
    transitions = [t for r in lifecycle(synth, "landing") for t in r.get("Transitions", [])]
    assert transitions == [{"StorageClass": "STANDARD_IA", "TransitionInDays": synth.cfg.lake.landing_transition_to_ia_days}]


@pytest.mark.parametrize("zone,setting", [  # the reports bucket's rules, per prefix: test_retention.py
    ("athena-results", "athena_results_expiry_days"),
    ("access-logs", "access_logs_expiry_days"),
])
def test_zone_objects_expire_after_configured_days(synth, zone, setting):
    assert [r["ExpirationInDays"] for r in lifecycle(synth, zone) if "ExpirationInDays" in r] == [
        getattr(synth.cfg.lake, setting)]


def test_lake_key_rotates(synth):
    synth.template("lake").has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_lake_key_is_retained_by_default(synth):
    synth.template("lake").has_resource("AWS::KMS::Key", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})


def test_glue_database_is_named_from_config(synth):
    synth.template("lake").has_resource_properties(
        "AWS::Glue::Database", {"DatabaseInput": Match.object_like({"Name": synth.cfg.glue_database})})


def glue_tables(synth):
    return {r["Properties"]["TableInput"]["Name"]: r["Properties"] for _, _, r in synth.resources("AWS::Glue::Table", ("lake",))}


def clean_tables(synth):
    """The clean zone's tables, by dataset key (each contract's table is named after it)."""
    return {name: table for name, table in glue_tables(synth).items() if name in DATASETS}


def curated_tables(synth):
    return {name: table for name, table in glue_tables(synth).items() if name in curated.TABLES}


def same_table_input(deployed: Dict[str, Any], expected: Dict[str, Any]) -> bool:
    # flattening shows the projection's ${dt} (a literal inside Fn::Join) as <dt>
    return json.dumps(resolved(deployed), sort_keys=True) == json.dumps(expected, sort_keys=True).replace(
        "${dt}", "<dt>")


def test_glue_tables_are_the_library_table_inputs_the_offline_runtime_uses(synth):
    clean_id = zone_buckets(synth)["clean"][0]
    for name, table in clean_tables(synth).items():
        dataset = DATASETS[name]
        expected = glue_table_input(dataset, f"s3://<{clean_id}>/{dataset.clean_prefix()}")
        assert same_table_input(table["TableInput"], expected), name


def test_catalog_holds_the_clean_quarantine_and_curated_tables_and_nothing_else(synth):
    clean, cur = {d.table for d in DATASETS.values()}, set(curated.TABLES)
    quarantine = {f"{table}_quarantine" for table in clean}
    assert not clean & cur and not quarantine & (clean | cur)
    assert set(glue_tables(synth)) == clean | quarantine | cur


# -- the quarantine zone's tables: the rows conform rejected ----------------------------------------
def quarantine_tables(synth):
    return {name[: -len("_quarantine")]: table for name, table in glue_tables(synth).items()
            if name.endswith("_quarantine")}


def test_one_quarantine_table_per_dataset_contract(synth):
    tables = quarantine_tables(synth)
    assert set(tables) == {d.table for d in DATASETS.values()}
    assert all(t["DatabaseName"] == synth.cfg.glue_database for t in tables.values())


def test_quarantine_tables_are_the_library_table_inputs(synth):
    quarantine_id = zone_buckets(synth)["quarantine"][0]
    for name, table in quarantine_tables(synth).items():
        dataset = DATASETS[name]
        expected = glue_quarantine_table_input(dataset, f"s3://<{quarantine_id}>/{dataset.clean_prefix()}")
        assert same_table_input(table["TableInput"], expected), name


def test_quarantine_tables_read_the_rejects_conform_writes(synth):
    """Conform writes each file's rejects as Parquet under <source>/<dataset>/dt=<date>/ of the
    quarantine zone: the line, every contract column as it arrived (text), the rule, the reason
    and the run. Files refused whole sit under _files/, outside every table."""
    quarantine_id = zone_buckets(synth)["quarantine"][0]
    for name, table in quarantine_tables(synth).items():
        dataset = DATASETS[name]
        sd = table["TableInput"]["StorageDescriptor"]
        assert flat(sd["Location"]) == f"s3://<{quarantine_id}>/{dataset.clean_prefix()}"
        assert not dataset.clean_prefix().startswith("_files/")
        assert sd["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
        assert [(c["Name"], c["Type"]) for c in sd["Columns"]] == [
            ("source_line", "bigint"), *((c.name, "string") for c in dataset.columns),
            ("rule", "string"), ("reason", "string"), ("run_id", "string")], name
        params = {k: flat(v) for k, v in table["TableInput"]["Parameters"].items()}
        assert [(k["Name"], k["Type"]) for k in table["TableInput"]["PartitionKeys"]] == [("dt", "string")]
        assert {
            "projection.enabled": "true",
            "projection.dt.type": "date",
            "projection.dt.format": "yyyy-MM-dd",
            "storage.location.template": f"s3://<{quarantine_id}>/{dataset.clean_prefix()}dt=<dt>/",
        }.items() <= params.items(), name


def test_one_glue_table_per_dataset_contract(synth):
    tables = clean_tables(synth)
    assert set(tables) == {d.table for d in DATASETS.values()}
    assert all(t["DatabaseName"] == synth.cfg.glue_database for t in tables.values())


# -- the curated zone's tables ------------------------------------------------------------
def test_one_glue_table_per_curated_table_declaration(synth):
    tables = curated_tables(synth)
    assert set(tables) == set(curated.TABLES)
    assert all(t["DatabaseName"] == synth.cfg.glue_database for t in tables.values())


def test_curated_tables_are_the_library_table_inputs_the_offline_runtime_uses(synth):
    curated_id = zone_buckets(synth)["curated"][0]
    for name, table in curated_tables(synth).items():
        declared = curated.TABLES[name]
        expected = curated.glue_table_input(declared, f"s3://<{curated_id}>/{declared.prefix}")
        assert same_table_input(table["TableInput"], expected), name


def test_curated_tables_are_parquet_in_the_curated_zone_under_their_own_prefix(synth):
    curated_id = zone_buckets(synth)["curated"][0]
    for name, table in curated_tables(synth).items():
        sd = table["TableInput"]["StorageDescriptor"]
        assert flat(sd["Location"]) == f"s3://<{curated_id}>/{name}/"
        assert sd["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


def test_curated_table_columns_are_the_declared_columns_with_athena_types(synth):
    for name, table in curated_tables(synth).items():
        columns = [(c["Name"], c["Type"]) for c in table["TableInput"]["StorageDescriptor"]["Columns"]]
        assert columns == [(c.name, c.athena_type) for c in curated.TABLES[name].columns], name


def test_partitioned_curated_facts_project_dt_partitions(synth):
    curated_id = zone_buckets(synth)["curated"][0]
    facts = {n: t for n, t in curated_tables(synth).items() if curated.TABLES[n].partitioned}
    assert facts  # e.g. cur_erp__primary_lines
    for name, table in facts.items():
        params = {k: flat(v) for k, v in table["TableInput"]["Parameters"].items()}
        assert [(k["Name"], k["Type"]) for k in table["TableInput"]["PartitionKeys"]] == [("dt", "string")], name
        assert {
            "projection.enabled": "true",
            "projection.dt.type": "date",
            "projection.dt.format": "yyyy-MM-dd",
            "projection.dt.range": "2020-01-01,NOW",
            "projection.dt.interval": "1",
            "projection.dt.interval.unit": "DAYS",
            "storage.location.template": f"s3://<{curated_id}>/{name}/dt=<dt>/",
        }.items() <= params.items(), name


def test_curated_dimensions_have_no_partitions_and_no_projection(synth):
    dimensions = {n: t for n, t in curated_tables(synth).items() if not curated.TABLES[n].partitioned}
    assert dimensions  # e.g. cur_hr__position_closure
    for name, table in dimensions.items():
        assert table["TableInput"]["PartitionKeys"] == [], name
        parameters = table["TableInput"]["Parameters"]
        assert not [k for k in parameters if k.startswith(("projection.", "storage.location"))], name


def test_glue_table_columns_are_the_contract_columns_with_athena_types(synth):
    for name, table in clean_tables(synth).items():
        columns = [(c["Name"], c["Type"]) for c in table["TableInput"]["StorageDescriptor"]["Columns"]]
        assert columns == [(c.name, c.athena_type) for c in DATASETS[name].columns], name


def test_glue_tables_are_parquet_in_the_clean_zone(synth):
    clean_id = zone_buckets(synth)["clean"][0]
    for name, table in clean_tables(synth).items():
        sd = table["TableInput"]["StorageDescriptor"]
        assert flat(sd["Location"]) == f"s3://<{clean_id}>/{DATASETS[name].clean_prefix()}"
        assert sd["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


def test_glue_tables_project_dt_partitions(synth):
    clean_id = zone_buckets(synth)["clean"][0]
    for name, table in clean_tables(synth).items():
        params = {k: flat(v) for k, v in table["TableInput"]["Parameters"].items()}
        assert table["TableInput"]["PartitionKeys"][0]["Name"] == "dt"
        assert table["TableInput"]["PartitionKeys"][0]["Type"] == "string"
        assert {
            "projection.enabled": "true",
            "projection.dt.type": "date",
            "projection.dt.format": "yyyy-MM-dd",
            "projection.dt.range": "2020-01-01,NOW",
            "projection.dt.interval": "1",
            "projection.dt.interval.unit": "DAYS",
            "storage.location.template": f"s3://<{clean_id}>/{DATASETS[name].clean_prefix()}dt=<dt>/",
        }.items() <= params.items(), name


def workgroup(synth) -> Dict[str, Any]:
    (_, _, wg), = synth.resources("AWS::Athena::WorkGroup", ("lake",))
    assert wg["Properties"]["Name"] == synth.cfg.athena_workgroup
    return wg["Properties"]["WorkGroupConfiguration"]


def test_athena_workgroup_enforces_its_configuration(synth):
    assert workgroup(synth)["EnforceWorkGroupConfiguration"] is True


def test_athena_workgroup_has_the_configured_bytes_scanned_cutoff(synth):
    assert workgroup(synth)["BytesScannedCutoffPerQuery"] == synth.cfg.athena.bytes_scanned_cutoff_per_query


def test_athena_workgroup_publishes_cloudwatch_metrics(synth):
    assert workgroup(synth)["PublishCloudWatchMetricsEnabled"] is True


def test_athena_results_go_to_the_results_bucket_encrypted_with_the_lake_key(synth):
    result = workgroup(synth)["ResultConfiguration"]
    results_id = zone_buckets(synth)["athena-results"][0]
    assert flat(result["OutputLocation"]) == f"s3://<{results_id}>/"
    assert result["EncryptionConfiguration"] == {
        "EncryptionOption": "SSE_KMS", "KmsKey": {"Fn::GetAtt": [lake_key_id(synth), "Arn"]}}

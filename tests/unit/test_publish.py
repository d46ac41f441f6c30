"""Publication of a partition fed by several files (S3 in-process through moto).

Expected partitions are written by hand from the rule: the union of the latest version of each
file, a key in two files resolved to the later-landed file.
"""
from __future__ import annotations

import io

import boto3
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from saleslens.contracts import DATASETS
from saleslens.contracts.validation import conform_bytes
from saleslens.errors import MasterSnapshotError, PartitionBusyError
from saleslens.ingest.conform import parquet_bytes
from saleslens.ingest.masters import check_snapshot
from saleslens.ingest.naming import clean_key, member_id, member_key
from saleslens.ingest.publish import LEGACY_MEMBER, publish_member

INVOICES = "erp_primary_invoices"
DT = "2026-11-20"
HEADER = "invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount\n"
LANDING = "erp/primary_invoices/dt=2026-11-20/"


def line(invoice: int, qty: int = 1) -> str:
    return f"INV20261120{invoice:04d},1,2026-11-20,STK00001,SKU00001,{qty},0,10.00,0.00\n"


@pytest.fixture()
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="ap-south-1")
        client.create_bucket(Bucket="clean", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        yield client


def land(s3, name: str, lines: list, run_id: str, received_at: str, *, dataset: str = INVOICES, header: str = HEADER,
         dt: str = DT, **kwargs):
    """Conform a file to staging (what ConformRows leaves) and publish it (what CheckQuality does)."""
    result = conform_bytes(DATASETS[dataset], (header + "".join(lines)).encode())
    staged = f"_staging/{run_id}/data.parquet"
    s3.put_object(Bucket="clean", Key=staged, Body=parquet_bytes(result.clean))
    prefix = DATASETS[dataset].clean_prefix()
    return publish_member(s3, bucket="clean", dataset=dataset, partition_date=dt, staged_key=staged,
                          source_object=f"s3://landing/{prefix}dt={dt}/{name}", run_id=run_id,
                          received_at=received_at, **kwargs)


def partition(s3, dataset: str = INVOICES, dt: str = DT):
    body = s3.get_object(Bucket="clean", Key=clean_key(DATASETS[dataset].clean_prefix(), dt))["Body"].read()
    return pq.read_table(io.BytesIO(body))


def qty_by_invoice(s3):
    t = partition(s3)
    return dict(zip(t["invoice_no"].to_pylist(), t["billed_qty"].to_pylist()))


def test_a_file_with_a_new_name_adds_its_rows_and_the_first_files_rows_stay(s3):
    first = land(s3, "ERP_INV_20261120.csv", [line(i) for i in range(10)], "r1", "2026-11-21T02:00:00Z")
    second = land(s3, "ERP_INV_20261120_part2.csv", [line(i) for i in range(10, 14)], "r2", "2026-11-21T02:05:00Z")

    assert partition(s3).num_rows == 14
    assert (first.partition_rows, first.partition_files) == (10, 1)
    assert (second.partition_rows, second.partition_files, second.rows_replaced, second.rows_overriding) == (14, 2, 0, 0)


def test_a_resent_file_replaces_exactly_its_earlier_versions_rows(s3):
    land(s3, "ERP_INV_20261120.csv", [line(i) for i in range(10)], "r1", "2026-11-21T02:00:00Z")
    land(s3, "ERP_INV_20261120_part2.csv", [line(i) for i in range(10, 14)], "r2", "2026-11-21T02:05:00Z")
    correction = land(s3, "ERP_INV_20261120.csv", [line(0, qty=7), line(1)], "r3", "2026-11-24T09:00:00Z")

    assert qty_by_invoice(s3) == {
        "INV202611200000": 7, "INV202611200001": 1,
        "INV202611200010": 1, "INV202611200011": 1, "INV202611200012": 1, "INV202611200013": 1,
    }
    assert (correction.rows_replaced, correction.replaced_run_id, correction.partition_files) == (10, "r1", 2)


def test_a_key_in_two_files_resolves_to_the_later_landed_file(s3):
    land(s3, "ERP_INV_20261120.csv", [line(1, qty=1), line(2, qty=1)], "r1", "2026-11-21T02:00:00Z")
    later = land(s3, "ERP_INV_20261120_part2.csv", [line(2, qty=5), line(3, qty=5)], "r2", "2026-11-21T02:05:00Z")

    assert qty_by_invoice(s3) == {"INV202611200001": 1, "INV202611200002": 5, "INV202611200003": 5}
    assert (later.rows_overriding, later.rows_overridden, later.partition_rows) == (1, 0, 3)


def test_a_file_processed_late_loses_to_the_file_that_landed_after_it(s3):
    # part2 landed later but its run finished first: landing order decides, not run order
    land(s3, "ERP_INV_20261120_part2.csv", [line(2, qty=5)], "r2", "2026-11-21T02:05:00Z")
    slow = land(s3, "ERP_INV_20261120.csv", [line(1, qty=1), line(2, qty=1)], "r1", "2026-11-21T02:00:00Z")

    assert qty_by_invoice(s3) == {"INV202611200001": 1, "INV202611200002": 5}
    assert (slow.rows_overriding, slow.rows_overridden) == (0, 1)


def test_an_older_version_of_a_file_never_replaces_a_newer_one(s3):
    land(s3, "ERP_INV_20261120.csv", [line(1, qty=9)], "r2", "2026-11-24T09:00:00Z")
    stale = land(s3, "ERP_INV_20261120.csv", [line(1, qty=1), line(2)], "r1", "2026-11-21T02:00:00Z")

    assert stale.superseded and qty_by_invoice(s3) == {"INV202611200001": 9}
    assert not s3.list_objects_v2(Bucket="clean", Prefix="_staging/").get("KeyCount")


def test_a_retry_after_a_partial_publication_gives_the_same_partition(s3):
    land(s3, "ERP_INV_20261120.csv", [line(i) for i in range(3)], "r1", "2026-11-21T02:00:00Z")
    # the gate's first attempt copied the member, then died before merging and clearing staging
    result = conform_bytes(DATASETS[INVOICES], (HEADER + line(7) + line(8)).encode())
    s3.put_object(Bucket="clean", Key="_staging/r2/data.parquet", Body=parquet_bytes(result.clean))
    mkey = member_key(DATASETS[INVOICES].clean_prefix(), DT, member_id("ERP_INV_20261120_part2.csv"))
    s3.copy_object(Bucket="clean", Key=mkey, CopySource={"Bucket": "clean", "Key": "_staging/r2/data.parquet"},
                   MetadataDirective="REPLACE",
                   Metadata={"run-id": "r2", "received-at": "2026-11-21T02:05:00Z", "source": "x", "rows": "2"})
    assert partition(s3).num_rows == 3

    retried = publish_member(s3, bucket="clean", dataset=INVOICES, partition_date=DT, staged_key="_staging/r2/data.parquet",
                             source_object=f"s3://landing/{LANDING}ERP_INV_20261120_part2.csv", run_id="r2",
                             received_at="2026-11-21T02:05:00Z")
    again = publish_member(s3, bucket="clean", dataset=INVOICES, partition_date=DT, staged_key="_staging/r2/data.parquet",
                           source_object=f"s3://landing/{LANDING}ERP_INV_20261120_part2.csv", run_id="r2",
                           received_at="2026-11-21T02:05:00Z")
    assert partition(s3).num_rows == 5 and retried.partition_rows == again.partition_rows == 5
    assert retried.rows_replaced == again.rows_replaced == 0


class _RacingS3:
    """S3 where another run publishes the partition between this run's read and its write."""

    def __init__(self, s3, rival) -> None:
        self._s3, self._rival, self.conflicts = s3, rival, 0

    def __getattr__(self, name):
        return getattr(self._s3, name)

    def put_object(self, **kwargs):
        if self._rival is not None and kwargs["Key"].endswith("/data.parquet") and not kwargs["Key"].startswith("_"):
            rival, self._rival = self._rival, None
            rival()  # the other run writes its member and publishes first
        try:
            return self._s3.put_object(**kwargs)
        except self._s3.exceptions.ClientError:
            self.conflicts += 1
            raise


def test_two_runs_publishing_one_partition_at_once_lose_no_rows(s3):
    land(s3, "ERP_INV_20261120.csv", [line(i) for i in range(4)], "r1", "2026-11-21T02:00:00Z")
    racing = _RacingS3(s3, lambda: land(s3, "ERP_INV_20261120_part3.csv", [line(i) for i in range(20, 23)], "r3",
                                        "2026-11-21T02:06:00Z"))
    mine = land(racing, "ERP_INV_20261120_part2.csv", [line(i) for i in range(10, 12)], "r2", "2026-11-21T02:05:00Z",
                sleep=lambda s: None)

    assert racing.conflicts == 1  # the conditional write refused the stale merge
    assert partition(s3).num_rows == 4 + 2 + 3 and mine.partition_files == 3


def test_a_partition_that_keeps_changing_under_a_run_fails_with_a_named_retryable_error(s3):
    class AlwaysRacing(_RacingS3):
        def put_object(self, **kwargs):
            if kwargs["Key"].endswith("/data.parquet") and not kwargs["Key"].startswith("_"):
                self.conflicts += 0  # new bytes each time, so the ETag this run read is stale
                self._s3.put_object(Bucket="clean", Key=kwargs["Key"], Body=f"rival {id(kwargs)}".encode())
            return super().put_object(**kwargs)

    with pytest.raises(PartitionBusyError, match="replaced by other runs 6 times"):
        land(AlwaysRacing(s3, None), "ERP_INV_20261120.csv", [line(1)], "r1", "2026-11-21T02:00:00Z", sleep=lambda s: None)


def test_a_partition_published_before_members_keeps_its_rows(s3):
    old = conform_bytes(DATASETS[INVOICES], (HEADER + line(1) + line(2)).encode())
    s3.put_object(Bucket="clean", Key=clean_key(DATASETS[INVOICES].clean_prefix(), DT), Body=parquet_bytes(old.clean))
    added = land(s3, "ERP_INV_20261120_part2.csv", [line(3)], "r2", "2026-11-21T02:05:00Z")

    assert sorted(qty_by_invoice(s3)) == ["INV202611200001", "INV202611200002", "INV202611200003"]
    members = s3.list_objects_v2(Bucket="clean", Prefix="_members/")["Contents"]
    assert any(m["Key"].endswith(f"/{LEGACY_MEMBER}.parquet") for m in members) and added.partition_files == 2


# -- master snapshots ---------------------------------------------------------------------------
POS_HEADER = "position_id,role,parent_position_id,territory_code,position_name\n"


def positions(rows):
    text = POS_HEADER + "".join(f"{p},{r},{parent},{terr},{p} name\n" for p, r, parent, terr in rows)
    result = conform_bytes(DATASETS["hr_positions"], text.encode())
    assert result.rows_quarantined == 0, result.rejects.to_pylist()
    return result.clean


TREE = [("P00001", "CMO", "", ""), ("P00002", "BUH", "P00001", ""), ("P00003", "NH", "P00002", "")]


def test_a_sound_position_tree_passes():
    check_snapshot("hr_positions", positions(TREE), previous_rows=3, min_ratio=0.5, where="w")


@pytest.mark.parametrize("rows,previous,message", [
    ([], None, "w: master snapshot has no rows"),
    (TREE[:1], 3, "w: master snapshot has 1 rows against 3 in the last one (at least 50% expected"),
    (TREE[:2] + [("P00003", "NH", "P00009", "")], None, "w: parent_position_id: 1 parent(s) not in the snapshot, e.g. P00009"),
    ([("P00001", "CMO", "P00003", "")] + TREE[1:], None,
     "w: parent_position_id: the tree has a cycle: P00001 -> P00003 -> P00002 -> P00001"),
])
def test_an_unusable_master_snapshot_is_refused_by_name(rows, previous, message):
    with pytest.raises(MasterSnapshotError) as refused:
        check_snapshot("hr_positions", positions(rows), previous_rows=previous, min_ratio=0.5, where="w")
    assert str(refused.value).startswith(message)

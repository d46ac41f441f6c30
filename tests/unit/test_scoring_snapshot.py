"""The scores table into the lake (saleslens.scoring.snapshot): one row per scored opportunity,
the latest score and the latest one at least 7 days before it, read page by page from DynamoDB
(moto) and written as the curated table's one object."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import boto3
import pyarrow.parquet as pq
from moto import mock_aws

from saleslens.curate.tables import TABLES
from saleslens.scoring import store
from saleslens.scoring.snapshot import TABLE, snapshot

SCORES, BUCKET = "scores", "curated"
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)


def record(opp: str, when: str, probability: float, score: int, version: int = 1,
           positive: tuple = ("source FIELD",), negative: tuple = ()) -> store.ScoreRecord:
    return store.ScoreRecord(opp, when, version, "CREATED", "creation", "v3", "lightgbm", "model", probability, score,
                             positive, negative)


# O1: scored 1, 5 and 12 Nov -> latest 12 Nov (0.62, 4); the latest at least 7 days before it is
#     5 Nov (12 - 7 = 5 Nov 10:00; 5 Nov 09:00 is before that) -> 0.40, 3.
# O2: scored 20 and 25 Nov -> latest 25 Nov; 20 Nov is only 5 days before: no trend.
# O3: never scored -> no row.
RECORDS = [
    record("O1", "2026-11-01T09:00:00.000000Z", 0.20, 2),
    record("O1", "2026-11-05T09:00:00.000000Z", 0.40, 3),
    record("O1", "2026-11-12T10:00:00.123456Z", 0.62, 4, version=3, positive=("source FIELD", "amount 2,00,000"),
           negative=("competitor Curatis",)),
    record("O2", "2026-11-20T09:00:00.000000Z", 0.30, 2),
    record("O2", "2026-11-25T09:00:00.000000Z", 0.10, 1, negative=("owner with no closed deal before",)),
]


@mock_aws
def test_the_snapshot_keeps_each_opportunitys_latest_score_and_the_one_a_week_before():
    ddb = boto3.client("dynamodb", region_name="ap-south-1")
    s3 = boto3.client("s3", region_name="ap-south-1")
    ddb.create_table(TableName=SCORES, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": store.KEY, "KeyType": "HASH"},
                                {"AttributeName": store.SORT_KEY, "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": store.KEY, "AttributeType": "S"},
                                           {"AttributeName": store.SORT_KEY, "AttributeType": "S"}])
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    for r in RECORDS:
        store.put(ddb, SCORES, r, retention_days=400)
    # two items a page: the five items take three Scan pages
    counts = snapshot(ddb, s3, scores_table=SCORES, curated_bucket=BUCKET, now=NOW, page_size=2)
    assert counts == {"scores_read": 5, "opportunities": 2}
    body = s3.get_object(Bucket=BUCKET, Key=f"{TABLE}/data.parquet")["Body"].read()
    table = pq.read_table(io.BytesIO(body))
    assert table.schema.equals(TABLES[TABLE].schema(), check_metadata=False)
    o1, o2 = table.to_pylist()
    assert (o1["opportunity_id"], o1["scored_at"], o1["opportunity_version"]) == (
        "O1", datetime(2026, 11, 12, 10, 0, 0, 123000), 3)  # milliseconds, as Athena reads Parquet
    assert (o1["probability"], o1["score"], o1["model"], o1["basis"]) == (0.62, 4, "creation", "model")
    assert (o1["positive_factors"], o1["negative_factors"]) == ("source FIELD; amount 2,00,000", "competitor Curatis")
    assert (o1["week_before_scored_at"], o1["week_before_probability"], o1["week_before_score"]) == (
        datetime(2026, 11, 5, 9, 0), 0.40, 3)
    assert (o2["opportunity_id"], o2["score"], o2["positive_factors"]) == ("O2", 1, "source FIELD")
    assert (o2["week_before_scored_at"], o2["week_before_probability"], o2["week_before_score"]) == (None, None, None)
    assert {o1["snapshot_at"], o2["snapshot_at"]} == {datetime(2026, 11, 27, 2, 0)}

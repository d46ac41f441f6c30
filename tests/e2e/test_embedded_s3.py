"""The embedded AWS keeps large S3 objects on disk, not in its memory (saleslens.offline.runtime)."""
from __future__ import annotations

import os

from moto.s3.models import s3_backends

from saleslens.offline.runtime import S3_OBJECT_IN_MEMORY_MAX


def test_objects_over_the_limit_are_kept_on_disk_and_read_back_whole(aws):
    s3, bucket = aws.client("s3"), aws.bucket("athena-results")
    big, small = os.urandom(3 * S3_OBJECT_IN_MEMORY_MAX), os.urandom(64 * 1024)
    s3.put_object(Bucket=bucket, Key="results/big.csv", Body=big)
    s3.put_object(Bucket=bucket, Key="results/small.csv", Body=small)
    keys = s3_backends[aws.account]["global"].buckets[bucket].keys
    # moto's key buffer is a SpooledTemporaryFile: rolled over to a file once past its size
    assert keys["results/big.csv"]._value_buffer._rolled
    assert not keys["results/small.csv"]._value_buffer._rolled
    assert s3.get_object(Bucket=bucket, Key="results/big.csv")["Body"].read() == big
    assert s3.get_object(Bucket=bucket, Key="results/small.csv")["Body"].read() == small
    start = S3_OBJECT_IN_MEMORY_MAX - 5
    ranged = s3.get_object(Bucket=bucket, Key="results/big.csv", Range=f"bytes={start}-{start + 9}")["Body"].read()
    assert ranged == big[start:start + 10]

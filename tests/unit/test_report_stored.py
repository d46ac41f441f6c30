"""Report pages are stored gzip-compressed with Content-Encoding: gzip (saleslens.reports.stored)."""
from __future__ import annotations

import gzip

import boto3
import pytest
from moto import mock_aws

from saleslens.reports.stored import page_bytes, put_page, read_page

PAGE = "<!doctype html>\n<html lang=\"en-IN\"><title>Rāvi's report</title>" + "<tr><td>₹1,23,456.00</td></tr>" * 400


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="ap-south-1")
        client.create_bucket(Bucket="reports", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        yield client


def test_a_page_is_stored_compressed_and_labelled_so_that_a_browser_inflates_it(s3):
    put_page(s3, bucket="reports", key="reports/daily/2026-11-20/P1/E1.html", html=PAGE)
    got = s3.get_object(Bucket="reports", Key="reports/daily/2026-11-20/P1/E1.html")
    body = got["Body"].read()
    assert got["ContentEncoding"] == "gzip" and got["ContentType"] == "text/html; charset=utf-8"
    assert body[:2] == b"\x1f\x8b"  # the gzip magic number
    assert gzip.decompress(body).decode("utf-8") == PAGE
    assert len(body) < len(PAGE.encode("utf-8")) / 10  # 400 repeated rows


def test_read_page_gives_the_html_back_and_reads_a_page_stored_uncompressed(s3):
    put_page(s3, bucket="reports", key="new.html", html=PAGE)
    s3.put_object(Bucket="reports", Key="old.html", Body=PAGE.encode("utf-8"), ContentType="text/html; charset=utf-8")
    assert read_page(s3, bucket="reports", key="new.html") == PAGE
    assert read_page(s3, bucket="reports", key="old.html") == PAGE


def test_the_same_page_gives_the_same_bytes():
    # no time in the gzip header: a re-run storing an unchanged page stores identical bytes
    assert page_bytes(PAGE) == page_bytes(PAGE)
    assert page_bytes(PAGE)[4:8] == b"\x00\x00\x00\x00"  # MTIME field of RFC 1952

"""The embedded AWS's server keeps a connection open between requests (saleslens.offline.moto_server),
and a connection stays usable whatever the previous request left unread."""
from __future__ import annotations

import http.client

import boto3
import pytest

from saleslens.offline.moto_server import EmbeddedMotoServer


@pytest.fixture()
def server():
    s = EmbeddedMotoServer()
    s.start()
    try:
        yield s.get_host_and_port()
    finally:
        s.stop()


def _connection(address) -> http.client.HTTPConnection:
    host, port = address
    return http.client.HTTPConnection(host, port, timeout=10)


def test_requests_share_one_connection(server) -> None:
    conn = _connection(server)
    conn.request("GET", "/moto-api/")
    first = conn.getresponse()
    assert first.status == 200 and first.getheader("Connection") != "close"
    first.read()
    sock = conn.sock
    conn.request("GET", "/moto-api/")
    second = conn.getresponse()
    assert second.status == 200
    assert b"<html" in second.read().lower()
    assert conn.sock is sock  # the same socket carried both requests


def test_a_body_the_app_does_not_read_does_not_reach_the_next_request(server) -> None:
    conn = _connection(server)
    # this endpoint ignores a body; its bytes must not be read as the next request line
    conn.request("GET", "/moto-api/", body=b"GET /not-a-request HTTP/1.1\r\n\r\n" * 50)
    answer = conn.getresponse()
    assert answer.status == 200
    answer.read()
    conn.request("GET", "/moto-api/")
    again = conn.getresponse()
    assert again.status == 200 and b"<html" in again.read().lower()


def test_head_answers_without_a_body_and_the_connection_goes_on(server) -> None:
    host, port = server
    s3 = boto3.client("s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="kept-connections")
    s3.put_object(Bucket="kept-connections", Key="a.txt", Body=b"x" * 5000)  # sent after 100 Continue
    for _ in range(3):  # HEAD and GET answers alternate on the pool's connection
        assert s3.head_object(Bucket="kept-connections", Key="a.txt")["ContentLength"] == 5000
        assert s3.get_object(Bucket="kept-connections", Key="a.txt")["Body"].read() == b"x" * 5000


def test_a_client_asking_to_close_gets_its_connection_closed(server) -> None:
    conn = _connection(server)
    conn.request("GET", "/moto-api/", headers={"Connection": "close"})
    answer = conn.getresponse()
    assert answer.status == 200 and answer.getheader("Connection") == "close"
    answer.read()
    assert answer.isclosed()

"""A report page as the reports bucket holds it: the HTML gzip-compressed, stored with
``Content-Encoding: gzip``. S3 serves the bytes as stored with that header, and every browser
asks for gzip and inflates it, so a tablet following its link downloads about a ninth of the
page (usv pages: 74.2 KB of repetitive table and SVG markup at the median, 8.5 KB compressed;
bench/README.md), and the bucket stores as little. Readers that are not browsers (the SDK does not inflate) use
``read_page``."""
from __future__ import annotations

import gzip
from typing import Any, Optional

CONTENT_TYPE = "text/html; charset=utf-8"
ENCODING = "gzip"
# zlib's default trade-off: 0.2-0.5 ms of CPU a page; level 1 took half of that for pages about
# a fifth larger (six of the demo's pages).
LEVEL = 6


def page_bytes(html: str) -> bytes:
    """The stored bytes of a page: the same HTML always gives the same bytes (no time in the gzip header)."""
    return gzip.compress(html.encode("utf-8"), compresslevel=LEVEL, mtime=0)


def put_page(s3: Any, *, bucket: str, key: str, html: str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=page_bytes(html), ContentType=CONTENT_TYPE, ContentEncoding=ENCODING)


def read_page(s3: Any, *, bucket: str, key: str) -> str:
    """A stored page's HTML (a page stored before pages were compressed is read as it is)."""
    resp = s3.get_object(Bucket=bucket, Key=key)
    return page_html(resp["Body"].read(), resp.get("ContentEncoding"))


def page_html(body: bytes, content_encoding: Optional[str]) -> str:
    return (gzip.decompress(body) if content_encoding == ENCODING else body).decode("utf-8")

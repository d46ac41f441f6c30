"""A report page as the reports bucket holds it: the HTML gzip-compressed, stored with
``Content-Encoding: gzip``. S3 serves the bytes as stored with that header, and every browser
asks for gzip and inflates it, so a tablet following its link downloads about a seventh of the
page (usv pages with the insight sections: 89.7 KB of repetitive table and SVG markup at the
median, 12.5 KB stored at level 3; bench/README.md), and the bucket stores as little. Readers
that are not browsers (the SDK does not inflate) use ``read_page``."""
from __future__ import annotations

import gzip
from typing import Any, Optional

CONTENT_TYPE = "text/html; charset=utf-8"
ENCODING = "gzip"
# Over 1,096 usv pages (every fifth recipient), CPU a page and the median stored page: level 6
# (zlib's default) 0.96 ms, 9.7 KB; level 5 0.69 ms, 10.0 KB; level 3 0.38 ms, 11.1 KB; level 1
# 0.34 ms, 11.8 KB. Levels 1-3 take zlib's fast path: level 3 halves level 5's CPU, which the
# render-report worker spends on one interpreter lock, for 1.1 KB more a page (bench/README.md).
LEVEL = 3


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

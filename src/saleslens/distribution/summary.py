"""SummariseRun: what a distribution run delivered, counted from what it wrote."""
from __future__ import annotations

from typing import Any, Dict, List, Optional


def delivery_prefix(cadence: str, run_date: str) -> str:
    return f"deliveries/{cadence}/{run_date}/"


def report_prefix(cadence: str, run_date: str) -> str:
    return f"reports/{cadence}/{run_date}/"


def count_objects(s3: Any, bucket: str, prefix: str) -> int:
    n = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        n += page.get("KeyCount", 0)
    return n


def summarise(s3: Any, bucket: str, *, run_id: str, run_date: str, cadence: str, recipient_count: int,
              control_totals: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    reports = count_objects(s3, bucket, report_prefix(cadence, run_date))
    delivered = count_objects(s3, bucket, delivery_prefix(cadence, run_date))
    return {
        "run_id": run_id,
        "run_date": run_date,
        "cadence": cadence,
        "recipients": recipient_count,
        "reports_written": reports,
        "emails_sent": delivered,
        "undelivered": max(recipient_count - delivered, 0),
        # Net primary per window: ERP = curated = SR positions (held or vacant) + unmapped.
        "control_totals": control_totals or [],
    }

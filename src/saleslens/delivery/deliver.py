"""Render one recipient's report, store it, email a link to it, leave a delivery receipt."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict, Optional

from saleslens.delivery import push as tablet
from saleslens.delivery.email import build_report_email
from saleslens.distribution.summary import delivery_prefix, report_prefix
from saleslens.reports.model import RunData, build_report
from saleslens.reports.render import render


def report_key(cadence: str, run_date: str, recipient: Dict[str, Any]) -> str:
    return f"{report_prefix(cadence, run_date)}{recipient['position_id']}/{recipient['employee_id']}.html"


def deliver(
    s3: Any,
    ses: Any,
    *,
    recipient: Dict[str, Any],
    data: RunData,
    run_date: str,
    cadence: str,
    run_id: str,
    reports_bucket: str,
    sender: str,
    configuration_set: str,
    link_ttl_seconds: int,
    push: Optional[tablet.Push] = None,
) -> Dict[str, Any]:
    report = build_report(recipient, data, run_date=run_date, cadence=cadence)
    html = render(report)
    key = report_key(cadence, run_date, recipient)
    s3.put_object(Bucket=reports_bucket, Key=key, Body=html.encode("utf-8"), ContentType="text/html; charset=utf-8")
    link = s3.generate_presigned_url("get_object", Params={"Bucket": reports_bucket, "Key": key}, ExpiresIn=link_ttl_seconds)
    subject = f"Your {cadence} sales report as of {run_date}"
    raw = build_report_email(sender=sender, recipient=recipient, subject=subject, link=link,
                             expires_hours=max(link_ttl_seconds // 3600, 1),
                             windows=[f"{w.label}: {w.span}" for w in report.windows])
    sent = ses.send_raw_email(
        Source=sender, Destinations=[recipient["email"]], RawMessage={"Data": raw}, ConfigurationSetName=configuration_set
    )
    pushed = tablet.summary(tablet.notify(push, recipient=recipient, subject=subject, link=link)) if push else {}
    receipt = {
        "employee_id": recipient["employee_id"],
        "position_id": recipient["position_id"],
        "report_key": key,
        "message_id": sent["MessageId"],
        "run_id": run_id,
        "sent_at": datetime.now(timezone.utc).isoformat(),
    }
    s3.put_object(
        Bucket=reports_bucket,
        Key=f"{delivery_prefix(cadence, run_date)}{recipient['position_id']}/{recipient['employee_id']}.json",
        Body=json.dumps(receipt).encode(),
        ContentType="application/json",
    )
    # run_id tells a later run that finds this result in the delivery ledger that the email went
    # out before it (an "already sent" skip), not in that run.
    return {"status": "sent", "message_id": sent["MessageId"], "report_key": key, "run_id": run_id, "push": pushed}

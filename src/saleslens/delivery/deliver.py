"""Render one recipient's report, store it, email a link to it, leave a delivery receipt."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Optional

from saleslens.delivery import push as tablet
from saleslens.delivery.email import build_report_email
from saleslens.distribution.summary import delivery_prefix, report_prefix
from saleslens.links.issue import IssuedLink
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
    issue_link: Callable[..., IssuedLink],
    push: Optional[tablet.Push] = None,
) -> Dict[str, Any]:
    """``issue_link``: a ``saleslens.links.issue.LinkIssuer``, the link service URL plus a signed token."""
    report = build_report(recipient, data, run_date=run_date, cadence=cadence)
    html = render(report)
    key = report_key(cadence, run_date, recipient)
    s3.put_object(Bucket=reports_bucket, Key=key, Body=html.encode("utf-8"), ContentType="text/html; charset=utf-8")
    link = issue_link(report_key=key, employee_id=recipient["employee_id"], position_id=recipient["position_id"])
    subject = f"Your {cadence} sales report as of {run_date}"
    raw = build_report_email(sender=sender, recipient=recipient, subject=subject, link=link,
                             windows=[f"{w.label}: {w.span}" for w in report.windows])
    sent = ses.send_raw_email(
        Source=sender, Destinations=[recipient["email"]], RawMessage={"Data": raw}, ConfigurationSetName=configuration_set
    )
    pushed = tablet.summary(tablet.notify(push, recipient=recipient, subject=subject, link=link.url)) if push else {}
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

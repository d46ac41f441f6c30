"""Render a batch of recipients' reports, store each, email a link to each whose figures this
window has not been sent, leave a delivery receipt per email.

Every report is rendered and stored again on every run (a re-run after corrected data replaces
them all); the delivery ledger (saleslens.delivery.ledger) decides per person whether an email
goes: none if the same figures went before, a "corrected" one if different figures did.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional

from saleslens.delivery import ledger as ledger_mod
from saleslens.delivery import push as tablet
from saleslens.delivery.email import build_report_email
from saleslens.delivery.figures import figures_hash
from saleslens.distribution import outcomes
from saleslens.distribution.summary import delivery_prefix, report_prefix
from saleslens.links.issue import IssuedLink
from saleslens.reports.model import Report, RunData, build_report
from saleslens.reports.render import render

log = logging.getLogger(__name__)


def report_key(cadence: str, run_date: str, recipient: Dict[str, Any]) -> str:
    return f"{report_prefix(cadence, run_date)}{recipient['position_id']}/{recipient['employee_id']}.html"


def subject_of(cadence: str, run_date: str, *, corrected: bool) -> str:
    subject = f"Your {cadence} sales report as of {run_date}"
    return f"Corrected: {subject[0].lower()}{subject[1:]}" if corrected else subject


@dataclass(frozen=True)
class Settings:
    reports_bucket: str
    sender: str
    configuration_set: str
    # saleslens.links.issue.LinkIssuer: the link service URL plus a signed token (the one place a link is made)
    issue_link: Callable[..., IssuedLink]
    push: Optional[tablet.Push] = None  # the tablet notification after each email; None: no push


@dataclass
class Rendered:
    recipient: Dict[str, Any]
    report: Report
    key: str
    figures_hash: str


def render_and_store(s3: Any, *, recipient: Dict[str, Any], data: RunData, run_date: str, cadence: str,
                     reports_bucket: str) -> Rendered:
    report = build_report(recipient, data, run_date=run_date, cadence=cadence)
    key = report_key(cadence, run_date, recipient)
    s3.put_object(Bucket=reports_bucket, Key=key, Body=render(report).encode("utf-8"),
                  ContentType="text/html; charset=utf-8")
    return Rendered(recipient, report, key, figures_hash(report))


def send(s3: Any, ses: Any, rendered: Rendered, *, run_date: str, cadence: str, corrected: bool,
         settings: Settings) -> str:
    """Email the report's link, then push it to the person's tablets; the SES message id."""
    recipient = rendered.recipient
    link = settings.issue_link(report_key=rendered.key, employee_id=recipient["employee_id"],
                               position_id=recipient["position_id"])
    subject = subject_of(cadence, run_date, corrected=corrected)
    raw = build_report_email(sender=settings.sender, recipient=recipient, subject=subject, link=link,
                             windows=[f"{w.label}: {w.span}" for w in rendered.report.windows])
    sent = ses.send_raw_email(Source=settings.sender, Destinations=[recipient["email"]], RawMessage={"Data": raw},
                              ConfigurationSetName=settings.configuration_set)
    if settings.push is not None:  # never fails the delivery: each device's outcome is recorded (delivery.push)
        tablet.notify(settings.push, recipient=recipient, subject=subject, link=link.url)
    return str(sent["MessageId"])


def _receipt(s3: Any, settings: Settings, *, cadence: str, run_date: str, run_id: str, rendered: Rendered,
             message_id: str, sent_at: str, kind: str) -> None:
    recipient = rendered.recipient
    receipt = {"employee_id": recipient["employee_id"], "position_id": recipient["position_id"],
               "report_key": rendered.key, "message_id": message_id, "run_id": run_id, "sent_at": sent_at,
               "kind": kind}
    s3.put_object(Bucket=settings.reports_bucket,
                  Key=f"{delivery_prefix(cadence, run_date)}{recipient['position_id']}/{recipient['employee_id']}.json",
                  Body=json.dumps(receipt).encode(), ContentType="application/json")


def deliver_batch(
    s3: Any,
    ses: Any,
    ledger: ledger_mod.Ledger,
    *,
    recipients: List[Dict[str, Any]],
    data: RunData,
    run_date: str,
    cadence: str,
    run_id: str,
    settings: Settings,
    claim_until: int,
    clock: Callable[[], float] = time.time,
) -> List[Dict[str, str]]:
    """Each recipient's outcome entry (ids, outcome, and the error type of a failure). One
    recipient's failure is recorded as ``failed`` and the batch goes on."""
    window = ledger_mod.delivery_window(run_date, cadence)
    ids = {ledger_mod.delivery_id(cadence=cadence, window=window, employee_id=r["employee_id"],
                                  position_id=r["position_id"]): r for r in recipients}
    known = ledger.read(ids)
    results: List[Dict[str, str]] = []
    for item_id, recipient in ids.items():
        who = {"employee_id": recipient["employee_id"], "position_id": recipient["position_id"]}
        try:
            outcome = _deliver_one(s3, ses, ledger, item_id=item_id, prior=known.get(item_id), recipient=recipient,
                                   data=data, run_date=run_date, cadence=cadence, run_id=run_id, window=window,
                                   settings=settings, claim_until=claim_until, clock=clock)
        except Exception as exc:  # one person's failure must not stop the batch's others
            log.warning("delivery failed", extra={**who, "error": type(exc).__name__})
            results.append(outcomes.entry(outcomes.FAILED, **who, error=type(exc).__name__))
            continue
        results.append(outcomes.entry(outcome, **who) if outcome else
                       outcomes.entry(outcomes.FAILED, **who, error="DeliveryInProgress"))
    return results


def _deliver_one(s3: Any, ses: Any, ledger: ledger_mod.Ledger, *, item_id: str, prior: Optional[Dict[str, Any]],
                 recipient: Dict[str, Any], data: RunData, run_date: str, cadence: str, run_id: str, window: str,
                 settings: Settings, claim_until: int, clock: Callable[[], float]) -> str:
    """The recipient's outcome; "" when another invocation holds the claim (it records its own)."""
    rendered = render_and_store(s3, recipient=recipient, data=data, run_date=run_date, cadence=cadence,
                                reports_bucket=settings.reports_bucket)
    now = int(clock())
    decision = ledger_mod.decide(prior, figures_hash=rendered.figures_hash, run_id=run_id, now=now)
    if decision.action in (ledger_mod.SKIP, ledger_mod.BUSY):
        return decision.outcome
    ids = {"employee_id": recipient["employee_id"], "position_id": recipient["position_id"]}
    claimed = ledger.claim(item_id, prior, run_id=run_id, figures_hash=rendered.figures_hash, claim_until=claim_until,
                           now=now, ids=ids, cadence=cadence, window=window)
    if claimed is None:
        return ""  # another writer claimed it between our read and our claim
    corrected = decision.action == ledger_mod.CORRECT
    kind = ledger_mod.CORRECTION if corrected else ledger_mod.REPORT
    try:
        message_id = send(s3, ses, rendered, run_date=run_date, cadence=cadence, corrected=corrected, settings=settings)
    except Exception:
        ledger.release(claimed, prior)
        raise
    sent_at = datetime.now(timezone.utc).isoformat()
    ledger.complete(claimed, kind=kind, message_id=message_id, report_key=rendered.key, sent_at=sent_at, now=now)
    _receipt(s3, settings, cadence=cadence, run_date=run_date, run_id=run_id, rendered=rendered,
             message_id=message_id, sent_at=sent_at, kind=kind)
    return decision.outcome

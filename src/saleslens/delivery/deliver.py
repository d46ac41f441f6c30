"""Render a batch of recipients' reports, store each, email a link to each whose figures this
window has not been sent. What was sent to whom (the message id, the report, when, which kind)
is the delivery ledger's item (saleslens.delivery.ledger), written when the send completes.

Every report is rendered and stored again on every run (a re-run after corrected data replaces
them all); the delivery ledger (saleslens.delivery.ledger) decides per person whether an email
goes: none if the same figures went before, a "corrected" one if different figures did.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

from saleslens.delivery import ledger as ledger_mod
from saleslens.delivery import push as tablet
from saleslens.delivery.email import build_report_email
from saleslens.delivery.figures import figures_hash
from saleslens.distribution import outcomes
from saleslens.distribution.summary import report_prefix
from saleslens.links.issue import IssuedLink
from saleslens.reports.model import Report, RunData, build_report
from saleslens.reports.render import render
from saleslens.reports.stored import put_page

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
    put_page(s3, bucket=reports_bucket, key=key, html=render(report))
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
    """Each recipient's outcome entry (ids, outcome, and the error type of a failure), in the
    order given. One recipient's failure is recorded as ``failed`` and the batch goes on.

    Every report is rendered and stored first; the recipients the ledger says to email are then
    claimed together (``Ledger.claim_all``: one call for the batch), and each is sent and
    completed in turn, so the duplicate window stays one recipient's complete write."""
    window = ledger_mod.delivery_window(run_date, cadence)
    ids = {ledger_mod.delivery_id(cadence=cadence, window=window, employee_id=r["employee_id"],
                                  position_id=r["position_id"]): r for r in recipients}
    push = settings.push
    # the recipients' devices' endpoints kept in the ledger, read in the same calls as their deliveries
    known = ledger.read([*ids, *(push.endpoint_ids(recipients) if push is not None else [])])
    if push is not None:
        push.known.update(tablet.known_endpoints(known))
    results: Dict[str, Dict[str, str]] = {}
    to_send: List[Tuple[str, Rendered, ledger_mod.Decision]] = []
    for item_id, recipient in ids.items():
        try:
            rendered = render_and_store(s3, recipient=recipient, data=data, run_date=run_date, cadence=cadence,
                                        reports_bucket=settings.reports_bucket)
        except Exception as exc:  # one person's failure must not stop the batch's others
            results[item_id] = _failed(recipient, exc)
            continue
        decision = ledger_mod.decide(known.get(item_id), figures_hash=rendered.figures_hash, run_id=run_id,
                                     now=int(clock()))
        if decision.action in (ledger_mod.SKIP, ledger_mod.BUSY):
            results[item_id] = _outcome(recipient, decision.outcome)
        else:
            to_send.append((item_id, rendered, decision))
    now = int(clock())
    try:
        claims = ledger.claim_all(
            [ledger_mod.Claim(item_id, known.get(item_id), rendered.figures_hash, _who(rendered.recipient))
             for item_id, rendered, _ in to_send],
            run_id=run_id, claim_until=claim_until, now=now, cadence=cadence, window=window)
    except Exception as exc:  # the ledger refused the batch's claims: none of them is sent
        for item_id, rendered, _ in to_send:
            results[item_id] = _failed(rendered.recipient, exc)
        to_send = []
    for item_id, rendered, decision in to_send:
        claimed = claims.get(item_id)
        if claimed is None:  # another writer claimed it between our read and our claim; it records its own
            results[item_id] = _outcome(rendered.recipient, "")
            continue
        try:
            _send_claimed(s3, ses, ledger, claimed=claimed, prior=known.get(item_id), rendered=rendered,
                          decision=decision, run_date=run_date, cadence=cadence, settings=settings, now=now)
        except Exception as exc:
            results[item_id] = _failed(rendered.recipient, exc)
            continue
        results[item_id] = _outcome(rendered.recipient, decision.outcome)
    if push is not None and push.learned:
        ledger.keep([tablet.endpoint_item(key, employee_id, endpoint)
                     for key, (employee_id, endpoint) in sorted(push.learned.items())], now=int(clock()))
        push.learned.clear()
    return [results[item_id] for item_id in ids]


def _who(recipient: Dict[str, Any]) -> Dict[str, str]:
    return {"employee_id": recipient["employee_id"], "position_id": recipient["position_id"]}


def _outcome(recipient: Dict[str, Any], outcome: str) -> Dict[str, str]:
    """The recipient's entry; "" (another invocation holds the claim and records its own) is a failure here."""
    return (outcomes.entry(outcome, **_who(recipient)) if outcome else
            outcomes.entry(outcomes.FAILED, **_who(recipient), error="DeliveryInProgress"))


def _failed(recipient: Dict[str, Any], exc: Exception) -> Dict[str, str]:
    log.warning("delivery failed", extra={**_who(recipient), "error": type(exc).__name__})
    return outcomes.entry(outcomes.FAILED, **_who(recipient), error=type(exc).__name__)


def _send_claimed(s3: Any, ses: Any, ledger: ledger_mod.Ledger, *, claimed: Dict[str, Any],
                  prior: Optional[Dict[str, Any]], rendered: Rendered, decision: ledger_mod.Decision, run_date: str,
                  cadence: str, settings: Settings, now: int) -> None:
    """Send one claimed recipient's email and complete its ledger item; a failed send releases the claim."""
    corrected = decision.action == ledger_mod.CORRECT
    kind = ledger_mod.CORRECTION if corrected else ledger_mod.REPORT
    try:
        message_id = send(s3, ses, rendered, run_date=run_date, cadence=cadence, corrected=corrected, settings=settings)
    except Exception:
        ledger.release(claimed, prior)
        raise
    sent_at = datetime.now(timezone.utc).isoformat()
    ledger.complete(claimed, kind=kind, message_id=message_id, report_key=rendered.key, sent_at=sent_at, now=now)

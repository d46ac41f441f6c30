"""SummariseRun: what a distribution run did for each recipient, counted from the outcome markers
the run itself wrote (saleslens.distribution.outcomes), and the ops subject that says so.

Words are counts of this run only: ``delivered`` means emailed by this run; ``already_sent`` were
skipped because an earlier run for the same date and cadence emailed them; ``suppressed`` were
not emailed by rule (by reason); ``skipped`` a channel not used (by reason); ``failed`` are the
recipients with no outcome at all. The counting is ``outcomes.tally``, which `saleslens
deliveries` uses too.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from saleslens.distribution import outcomes

SNS_SUBJECT_MAX = 100  # SNS refuses a longer subject


def delivery_prefix(cadence: str, run_date: str) -> str:
    return f"deliveries/{cadence}/{run_date}/"


def report_prefix(cadence: str, run_date: str) -> str:
    return f"reports/{cadence}/{run_date}/"


def subject(cadence: str, run_date: str, *, recipients: int, delivered: int, already_sent: int,
            suppressed: int, failed: int) -> str:
    """E.g. "SalesLens daily 2024-06-28: 15 of 19 delivered, 4 FAILED". The delivered and FAILED
    counts always fit; the others give way to SNS's limit (the message body has them all)."""
    head = f"SalesLens {cadence} {run_date}: {delivered} of {recipients} delivered"
    tail = f", {failed} FAILED" if failed else ""
    optional = [f", {already_sent} already sent" if already_sent else "",
                f", {suppressed} suppressed" if suppressed else ""]
    while len(head + "".join(optional) + tail) > SNS_SUBJECT_MAX and any(optional):
        optional[max(i for i, part in enumerate(optional) if part)] = ""
    return head + "".join(optional) + tail


def summarise(s3: Any, bucket: str, *, run_id: str, run_date: str, cadence: str, recipient_count: int,
              control_totals: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    t = outcomes.tally(outcomes.person_outcomes(s3, bucket, run_id).values(), expected=recipient_count)
    delivered, already_sent, failed = (t.counts[c] for c in (outcomes.DELIVERED, outcomes.ALREADY_SENT, outcomes.FAILED))
    suppressed = dict(sorted(t.reasons[outcomes.SUPPRESSED].items()))
    skipped = dict(sorted(t.reasons[outcomes.SKIPPED].items()))
    return {
        "run_id": run_id,
        "run_date": run_date,
        "cadence": cadence,
        "recipients": recipient_count,
        "delivered": delivered,
        "already_sent": already_sent,
        "suppressed": suppressed,
        "skipped": skipped,
        "failed": failed,
        "subject": subject(cadence, run_date, recipients=recipient_count, delivered=delivered,
                           already_sent=already_sent, suppressed=sum(suppressed.values()), failed=failed),
        # Net primary per window: ERP = curated = SR positions (held or vacant) + unmapped.
        "control_totals": control_totals or [],
    }

"""SummariseRun: what a distribution run did for each recipient, counted from the outcomes files
the run itself wrote (saleslens.distribution.outcomes), and the ops subject that says so.

Words are counts of this run only: ``delivered`` means emailed by this run; ``corrected`` were
emailed a "corrected" report by this run (an earlier run sent other figures for the same window);
``already_sent`` were re-rendered but not emailed, because an earlier run sent the same figures
for the same window; ``suppressed`` were not emailed by rule (by reason); ``failed`` are the
recipients without one of those outcomes. The counting is ``outcomes.tally``, which `saleslens
deliveries` uses too. ``push`` counts the tablet notifications per device outcome (pushed,
skipped-<reason>, failed-<code>; delivery.push), apart from the people counts.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from saleslens.delivery import push as tablet
from saleslens.distribution import outcomes

SNS_SUBJECT_MAX = 100  # SNS refuses a longer subject
# The error a run fails with when more recipients failed than distribution.tolerated_failure_percentage.
TOLERANCE_EXCEEDED = "DeliveryToleranceExceeded"


def report_prefix(cadence: str, run_date: str) -> str:
    return f"reports/{cadence}/{run_date}/"


def subject(cadence: str, run_date: str, *, recipients: int, delivered: int, already_sent: int,
            suppressed: int, failed: int, corrected: int = 0) -> str:
    """E.g. "SalesLens daily 2024-06-28: 15 of 19 delivered, 4 FAILED". The delivered and FAILED
    counts always fit; the others give way to SNS's limit (the message body has them all)."""
    head = f"SalesLens {cadence} {run_date}: {delivered} of {recipients} delivered"
    tail = f", {failed} FAILED" if failed else ""
    optional = [f", {corrected} corrected" if corrected else "",
                f", {already_sent} already sent" if already_sent else "",
                f", {suppressed} suppressed" if suppressed else ""]
    while len(head + "".join(optional) + tail) > SNS_SUBJECT_MAX and any(optional):
        optional[max(i for i, part in enumerate(optional) if part)] = ""
    return head + "".join(optional) + tail


def exceeds_tolerance(failed: int, emailed: int, tolerated_percentage: float) -> bool:
    """As a Map Run counts it: more than ``tolerated_percentage`` of the recipients to be emailed failed."""
    return failed * 100.0 > tolerated_percentage * emailed


def summarise(s3: Any, bucket: str, *, run_id: str, run_date: str, cadence: str, recipient_count: int,
              control_totals: Optional[List[Dict[str, Any]]] = None,
              tolerated_failure_percentage: float = 0.0) -> Dict[str, Any]:
    t = outcomes.tally(outcomes.person_outcomes(s3, bucket, run_id).values(), expected=recipient_count)
    delivered, corrected, already_sent, failed = (
        t.counts[c] for c in (outcomes.DELIVERED, outcomes.CORRECTED, outcomes.ALREADY_SENT, outcomes.FAILED))
    suppressed = dict(sorted(t.reasons[outcomes.SUPPRESSED].items()))
    emailed = recipient_count - sum(suppressed.values())
    within = not exceeds_tolerance(failed, emailed, tolerated_failure_percentage)
    return {
        "run_id": run_id,
        "run_date": run_date,
        "cadence": cadence,
        "recipients": recipient_count,
        "delivered": delivered,
        "corrected": corrected,
        "already_sent": already_sent,
        "suppressed": suppressed,
        "push": dict(sorted(tablet.count_push(s3, bucket, run_id).items())),
        "failed": failed,
        # The run fails with DeliveryFailed (a Choice after SummariseRun) when "within" is false.
        "tolerance": {
            "within": within,
            "error": "" if within else TOLERANCE_EXCEEDED,
            "cause": (f"{failed} of {emailed} recipients failed, "
                      f"{'within' if within else 'more than'} the tolerated {tolerated_failure_percentage:g}%"),
        },
        "subject": subject(cadence, run_date, recipients=recipient_count, delivered=delivered,
                           already_sent=already_sent, suppressed=sum(suppressed.values()), failed=failed,
                           corrected=corrected),
        # Net primary per window: ERP = curated = SR positions (held or vacant) + unmapped.
        "control_totals": control_totals or [],
    }

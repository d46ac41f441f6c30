"""RenderReport: one batch of recipients' reports rendered, stored and emailed, each at most once
per (person, position, cadence, window) unless its figures changed (a "corrected" email).

The Map child carries ids only; each person's name and email come from the run's recipients
file. One recipient's failure is recorded as failed and the batch goes on; the batch's outcomes
are written in one file (and its devices' push outcomes in another), and returned (ids only) for
the execution history.
"""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any, Dict, List, Tuple

from lambdas._runtime import InvalidEventError, client, env, logger, require, tracer
from saleslens.delivery import push as tablet
from saleslens.delivery.deliver import Settings, deliver_batch
from saleslens.delivery.ledger import Ledger
from saleslens.delivery.pacing import PacedSes
from saleslens.distribution import outcomes
from saleslens.distribution.marts import INSIGHT_MART_KEYS, MART_KEYS, result_locations
from saleslens.distribution.recipients import RecipientIndex, RecipientNotFoundError, lookup, read_recipients
from saleslens.distribution.results import location, read_result
from saleslens.insights.scorecard import card_from_dict
from saleslens.links import keys
from saleslens.links.issue import LinkIssuer
from saleslens.reports.freshness import read_freshness_file
from saleslens.reports.model import RunData

# Read once per warm container: the run's mart results (with its freshness file) and its recipients file. The lock makes
# invocations that share the module (the offline runtime runs the Map's concurrent children as
# threads of one process) wait for the one read instead of each holding a copy.
_runs: Dict[Tuple[str, ...], RunData] = {}
_recipients: Dict[str, RecipientIndex] = {}
_loading = threading.Lock()
_paced: Dict[str, PacedSes] = {}  # the container's SES client behind its token bucket (delivery.pacing)
_registries: Dict[str, Dict[str, Any]] = {}  # run date -> the device registry in force (delivery.push)
# A claim outlives the invocation by this much before another attempt may take it over.
CLAIM_MARGIN_SECONDS = 30


def _run_data(marts: Any, run_id: str, settings: Dict[str, Any]) -> RunData:
    locations = result_locations(marts or [])
    cache_key = (run_id, *sorted(locations.values()))
    with _loading:
        if cache_key not in _runs:
            _runs.clear()  # one run's results at a time
            s3 = client("s3")
            keys = [m for m in MART_KEYS + INSIGHT_MART_KEYS if m != "recipients"]
            _runs[cache_key] = RunData({m: read_result(s3, location(locations, m)) for m in keys},
                                       freshness=read_freshness_file(s3, env("REPORTS_BUCKET"), run_id),
                                       scorecard=card_from_dict(settings["scorecard"]),
                                       least_profitable=int(settings["least_profitable"]))
        return _runs[cache_key]


def _ses() -> PacedSes:
    with _loading:
        if "ses" not in _paced:
            _paced["ses"] = PacedSes(client("ses"), float(env("SES_SEND_RATE_PER_SECOND")))
        return _paced["ses"]


def _push(run_date: str, run_id: str) -> tablet.Push:
    with _loading:
        if run_date not in _registries:
            _registries.clear()
            _registries[run_date] = tablet.load_registry(client("s3"), env("CLEAN_BUCKET"), run_date)
        registry = _registries[run_date]
    return tablet.Push(sns=client("sns"), applications=json.loads(env("PUSH_APPLICATIONS")), registry=registry,
                       s3=client("s3"), bucket=env("REPORTS_BUCKET"), run_id=run_id)


def _link_issuer() -> LinkIssuer:
    """Links to the link service, signed with the signing secret's current key (read per warm
    container for at most keys.CACHE_SECONDS, so a rotation reaches new links within minutes)."""
    return LinkIssuer(base_url=env("LINK_BASE_URL"), key=_signing_key.keys()[0], lifetime_days=int(env("LINK_TOKEN_DAYS")))


_signing_key = keys.KeyRing(lambda: [keys.signing_key(client("secretsmanager"), env("LINK_SIGNING_SECRET"))])


def _recipients_of(key: str) -> RecipientIndex:
    with _loading:
        if key not in _recipients:
            _recipients.clear()
            _recipients[key] = read_recipients(client("s3"), env("REPORTS_BUCKET"), key)
        return _recipients[key]


def _batch(event: Dict[str, Any]) -> Tuple[str, List[Dict[str, str]]]:
    batch = event.get("batch")
    if not isinstance(batch, dict) or not isinstance(batch.get("batch"), str) or not isinstance(batch.get("recipients"), list):
        raise InvalidEventError("event.batch must be an object with a batch name and a list of recipients")
    return batch["batch"], [require(r, ("employee_id", "position_id")) for r in batch["recipients"]]


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_date", "cadence", "run_id", "recipients_key"))
    name, ids = _batch(event)
    settings = event.get("report_settings")  # the scorecard and list sizes, as BuildInsights passed them on
    if not isinstance(settings, dict) or "scorecard" not in settings or "least_profitable" not in settings:
        raise InvalidEventError("event.report_settings must be an object with the scorecard and least_profitable")
    logger.append_keys(execution=event["run_id"], batch=name)
    s3 = client("s3")
    index = _recipients_of(event["recipients_key"])
    found, missing = [], []
    for i in ids:
        try:
            found.append(lookup(index, employee_id=i["employee_id"], position_id=i["position_id"]))
        except RecipientNotFoundError:
            missing.append(outcomes.entry(outcomes.FAILED, employee_id=i["employee_id"], position_id=i["position_id"],
                                          error=RecipientNotFoundError.__name__))
    bucket = env("REPORTS_BUCKET")
    push = _push(event["run_date"], event["run_id"])
    results = deliver_batch(
        s3,
        _ses(),
        Ledger(client("dynamodb"), env("DELIVERY_LEDGER_TABLE"), ttl_days=int(env("DELIVERY_LEDGER_TTL_DAYS"))),
        recipients=found,
        # The role marts and the insight marts (queried after BuildInsights) are two lists of one kind.
        data=_run_data(list(event.get("marts") or []) + list(event.get("insight_marts") or []), event["run_id"],
                       settings),
        run_date=event["run_date"],
        cadence=event["cadence"],
        run_id=event["run_id"],
        settings=Settings(reports_bucket=bucket, sender=env("SENDER_EMAIL"),
                          configuration_set=env("SES_CONFIGURATION_SET"), issue_link=_link_issuer(),
                          push=push),
        claim_until=int(time.time() + context.get_remaining_time_in_millis() / 1000) + CLAIM_MARGIN_SECONDS,
    ) + missing
    tablet.record_push(push, f"{outcomes.batch_part(name)}-{context.aws_request_id}")
    outcomes.record_outcomes(s3, bucket, event["run_id"], outcomes.batch_part(name), results)
    counts = Counter(r["outcome"] for r in results)
    logger.info("batch delivered", extra={"recipients": len(ids), **{k: counts[k] for k in sorted(counts)}})
    return {"batch": name, "counts": dict(sorted(counts.items())), "outcomes": results}

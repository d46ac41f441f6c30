"""RenderReport: one recipient's report, emailed once per (run date, cadence, employee, position).

The Map child carries ids only; the person's name and email come from the run's recipients file.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Callable, Dict, Tuple

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from lambdas._runtime import client, env, logger, require, tracer
from saleslens.delivery import push as tablet
from saleslens.delivery.deliver import deliver
from saleslens.delivery.pacing import PacedSes
from saleslens.distribution import outcomes
from saleslens.distribution.marts import MART_KEYS, result_locations
from saleslens.distribution.recipients import RecipientIndex, lookup, read_recipients
from saleslens.distribution.results import location, read_result
from saleslens.links import keys
from saleslens.links.issue import LinkIssuer
from saleslens.reports.freshness import read_freshness_file
from saleslens.reports.model import RunData

# Read once per warm container: the run's mart results (with its freshness file) and its recipients file.
_runs: Dict[Tuple[str, ...], RunData] = {}
_recipients: Dict[str, RecipientIndex] = {}
_paced: Dict[str, PacedSes] = {}  # the container's SES client behind its token bucket (delivery.pacing)


def _ses() -> PacedSes:
    if "ses" not in _paced:
        _paced["ses"] = PacedSes(client("ses"), float(env("SES_SEND_RATE_PER_SECOND")))
    return _paced["ses"]


_registries: Dict[str, Dict[str, Any]] = {}  # run date -> the device registry in force (delivery.push)


def _push(request: Dict[str, Any]) -> tablet.Push:
    run_date = request["run_date"]
    if run_date not in _registries:
        _registries.clear()
        _registries[run_date] = tablet.load_registry(client("s3"), env("CLEAN_BUCKET"), run_date)
    return tablet.Push(sns=client("sns"), applications=json.loads(env("PUSH_APPLICATIONS")),
                       registry=_registries[run_date], s3=client("s3"), bucket=env("REPORTS_BUCKET"),
                       run_id=request["run_id"])


def _run_data(marts: Any, run_id: str) -> RunData:
    locations = result_locations(marts or [])
    cache_key = (run_id, *sorted(locations.values()))
    if cache_key not in _runs:
        _runs.clear()  # one run's results at a time
        s3 = client("s3")
        _runs[cache_key] = RunData({m: read_result(s3, location(locations, m)) for m in MART_KEYS if m != "recipients"},
                                   freshness=read_freshness_file(s3, env("REPORTS_BUCKET"), run_id))
    return _runs[cache_key]


def _recipients_of(key: str) -> RecipientIndex:
    if key not in _recipients:
        _recipients.clear()
        _recipients[key] = read_recipients(client("s3"), env("REPORTS_BUCKET"), key)
    return _recipients[key]


def _deliver(request: Dict[str, Any]) -> Dict[str, Any]:
    ids = request["recipient"]
    recipient = lookup(_recipients_of(request["recipients_key"]),
                       employee_id=ids["employee_id"], position_id=ids["position_id"])
    return deliver(
        client("s3"),
        _ses(),
        recipient=recipient,
        data=_run_data(request["marts"], request["run_id"]),
        run_date=request["run_date"],
        cadence=request["cadence"],
        run_id=request["run_id"],
        reports_bucket=env("REPORTS_BUCKET"),
        sender=env("SENDER_EMAIL"),
        configuration_set=env("SES_CONFIGURATION_SET"),
        issue_link=_link_issuer(),
        push=_push(request),
    )


def _link_issuer() -> LinkIssuer:
    """Links to the link service, signed with the signing secret's current key (read per warm
    container for at most keys.CACHE_SECONDS, so a rotation reaches new links within minutes)."""
    return LinkIssuer(base_url=env("LINK_BASE_URL"), key=_signing_key.keys()[0], lifetime_days=int(env("LINK_TOKEN_DAYS")))


_signing_key = keys.KeyRing(lambda: [keys.signing_key(client("secretsmanager"), env("LINK_SIGNING_SECRET"))])


@lru_cache(maxsize=4)
def _delivery_ledger(table: str, ttl_days: int) -> Tuple[IdempotencyConfig, Callable[..., Dict[str, Any]]]:
    """``_deliver`` made idempotent on the delivery ledger: a redrive or a second run for the same
    day and cadence sends nothing twice. A record expires after ``ttl_days``
    (retention.delivery_ledger_days), as the environment says."""
    config = IdempotencyConfig(
        event_key_jmespath="[run_date, cadence, recipient.employee_id, recipient.position_id]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=ttl_days * 24 * 3600,
    )
    once = idempotent_function(data_keyword_argument="request", persistence_store=DynamoDBPersistenceLayer(table_name=table),
                               config=config, key_prefix="render-report")(_deliver)
    return config, once


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_date", "cadence", "run_id", "recipients_key"))
    ids = require(event.get("recipient") or {}, ("employee_id", "position_id"))
    logger.append_keys(execution=event["run_id"], employee_id=ids["employee_id"], position_id=ids["position_id"])
    config, deliver_once = _delivery_ledger(env("DELIVERY_LEDGER_TABLE"), int(env("DELIVERY_LEDGER_TTL_DAYS")))
    config.register_lambda_context(context)
    result = deliver_once(request=event)
    # A result from the ledger written by another run: that run sent it, this one skipped it.
    outcome = outcomes.DELIVERED if result.get("run_id") == event["run_id"] else outcomes.ALREADY_SENT
    outcomes.record_outcome(client("s3"), env("REPORTS_BUCKET"), event["run_id"], outcome,
                            employee_id=ids["employee_id"], position_id=ids["position_id"])
    logger.info("report delivered" if outcome == outcomes.DELIVERED else "report already sent by an earlier run",
                extra={"status": outcome, "report_key": result["report_key"]})
    return {"status": outcome, "report_key": result["report_key"]}

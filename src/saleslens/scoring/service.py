"""Scoring on CRM events: one event in, one score written back to the CRM and stored.

``score_event`` is what the score-opportunity function runs for each queued CRM event:

1. parse and check the event (``events``): malformed or incomplete -> ``BadEventError``;
2. GET the opportunity from the CRM (``crm``): 404 -> ``BadEventError("unknown_opportunity")``;
   the CRM's version newer than the event's, or a score of a newer version already stored ->
   ``BadEventError("stale_version")``; the CRM's version older than the event's (its API not yet
   showing the change) -> ``CrmLagError``, transient;
3. GET its events (up to the event's version), its account, and the owner's and the account's
   closed opportunities; the model is ``proposal`` once a PROPOSAL_SENT exists, else ``creation``;
4. load the model's champion: the pointer ``<model_prefix>/<model>/champion.json`` in the models
   bucket names the artefact version; the artefact (``<model_prefix>/<model>/<version>.json``) is
   fetched and parsed only when that version is not cached (``score.load_version``), so a warm
   function re-reads only the small pointer. A champion whose training history is short of the
   configured minimum (and a fallback artefact, which training writes until it exists) scores
   with the artefact's fallback table, and the stored record says so (``basis``);
5. build the row as of the event's instant (``row``), score it, POST it to the CRM with the
   idempotency key opportunity_id + version + model version (a retried POST or a redelivered
   event never writes twice), then store it in the scores table (``store``). A redelivered event
   whose score is already stored is answered from the table without a CRM write.

Bad events go to the dead-letter queue with their reason (``dead_letter``); transient failures
(CRM down after its retries, no champion published yet, the CRM lagging) are raised so the queue
redelivers them, and after ``queue_max_receive_count`` receives SQS moves them to the same DLQ.
Imports numpy and lightgbm (through ``score``), never pandas.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from saleslens.scoring import store
from saleslens.scoring.artefact import FALLBACK, LIGHTGBM, ModelArtefact
from saleslens.scoring.crm import CrmClient, CrmNotFoundError, RetryPolicy, idempotency_key
from saleslens.scoring.events import BadEventError, CrmEvent, parse_body
from saleslens.scoring.row import RowInputError, events_up_to, feature_row, model_for
from saleslens.scoring.score import LoadedModel, OpportunityScore, load_version, score_row

POINTER = "champion.json"
SETTINGS_ENV = "SCORING_SETTINGS"
REASON_ATTRIBUTE = "reason"


class CrmLagError(RuntimeError):
    """The CRM shows an older version than the event announces: retry once it has caught up."""


class NoChampionError(RuntimeError):
    """No champion published for the model yet (training has not run): retry later."""


@dataclass(frozen=True)
class ScoringSettings:
    crm_endpoint: str
    crm_timeout_seconds: float
    crm_attempts: int
    crm_backoff_seconds: float
    model_prefix: str
    min_history_won: int
    min_history_lost: int
    score_retention_days: int

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "ScoringSettings":
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"scoring settings lack {', '.join(missing)}")
        return cls(**{n: data[n] for n in names})

    @classmethod
    def from_env(cls) -> "ScoringSettings":
        raw = os.environ.get(SETTINGS_ENV)
        if not raw:
            raise RuntimeError(f"environment variable {SETTINGS_ENV} is not set")
        return cls.from_mapping(json.loads(raw))

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.crm_attempts, self.crm_backoff_seconds, self.crm_timeout_seconds)


@dataclass
class Deps:
    crm: CrmClient
    s3: Any
    ddb: Any
    models_bucket: str
    scores_table: str
    settings: ScoringSettings
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)


@dataclass(frozen=True)
class Outcome:
    status: str  # scored | duplicate
    record: store.ScoreRecord
    write_status: Optional[int]  # the CRM's answer to the write-back (None: not written again)


# -- champions ---------------------------------------------------------------------------
def artefact_key(prefix: str, model: str, version: str) -> str:
    return f"{prefix}/{model}/{version}.json"


def pointer_key(prefix: str, model: str) -> str:
    return f"{prefix}/{model}/{POINTER}"


def publish_champion(s3: Any, bucket: str, prefix: str, artefact: ModelArtefact) -> str:
    """Write the artefact, then the pointer that makes it the model's champion; the artefact's key."""
    key = artefact_key(prefix, artefact.model, artefact.version)
    s3.put_object(Bucket=bucket, Key=key, Body=artefact.to_bytes(), ContentType="application/json")
    pointer = {"model": artefact.model, "version": artefact.version, "key": key}
    s3.put_object(Bucket=bucket, Key=pointer_key(prefix, artefact.model), Body=json.dumps(pointer).encode(),
                  ContentType="application/json")
    return key


def champion(s3: Any, bucket: str, prefix: str, model: str) -> LoadedModel:
    """The model's current champion, parsed once per version per container."""
    try:
        pointer = json.loads(s3.get_object(Bucket=bucket, Key=pointer_key(prefix, model))["Body"].read())
    except s3.exceptions.NoSuchKey as exc:
        raise NoChampionError(f"no {model} champion at s3://{bucket}/{pointer_key(prefix, model)}") from exc
    version = pointer["version"]
    return load_version(version, lambda v: s3.get_object(Bucket=bucket, Key=artefact_key(prefix, model, v))["Body"].read())


def serving(loaded: LoadedModel, settings: ScoringSettings) -> Tuple[LoadedModel, str]:
    """What scores, and why: the LightGBM model when its training history meets the configured
    minimum, else the artefact's fallback table."""
    a = loaded.artefact
    if a.kind == FALLBACK:
        return loaded, f"fallback: {a.metadata.get('why', 'the champion is the fallback table')}"
    history = a.metadata.get("history") or {}
    won, lost = int(history.get("won", 0)), int(history.get("lost", 0))
    if won >= settings.min_history_won and lost >= settings.min_history_lost:
        return loaded, "model"
    fallback = LoadedModel(dataclasses.replace(a, kind=FALLBACK), None)
    return fallback, (f"fallback: minimum history not met: {won} won and {lost} lost in {history.get('months')} months, "
                      f"{settings.min_history_won} and {settings.min_history_lost} required")


# -- one event ---------------------------------------------------------------------------
def score_event(event: CrmEvent, deps: Deps) -> Outcome:
    crm = deps.crm
    try:
        opportunity = crm.opportunity(event.opportunity_id)
    except CrmNotFoundError as exc:
        raise BadEventError("unknown_opportunity", f"the CRM has no opportunity {event.opportunity_id}") from exc
    current = int(opportunity.get("version") or 0)
    if current > event.version:
        raise BadEventError("stale_version", f"event of version {event.version}; the CRM holds version {current}")
    if current < event.version:
        raise CrmLagError(f"event of version {event.version}; the CRM still shows version {current}")
    stored = store.latest(deps.ddb, deps.scores_table, event.opportunity_id)
    if stored is not None and stored.opportunity_version > event.version:
        raise BadEventError("stale_version", f"event of version {event.version}; a score of version "
                                             f"{stored.opportunity_version} is stored")
    try:
        events = events_up_to(crm.events(event.opportunity_id), event.version)
        model = model_for(events)
        loaded, basis = serving(champion(deps.s3, deps.models_bucket, deps.settings.model_prefix, model), deps.settings)
        version = loaded.artefact.version
        if stored is not None and stored.opportunity_version == event.version and stored.model_version == version \
                and stored.model == model:
            return Outcome("duplicate", stored, None)
        account = crm.account(str(opportunity["account_id"]))
        owner_closed = crm.closed_opportunities(owner_employee_id=str(opportunity["owner_employee_id"]))
        account_closed = crm.closed_opportunities(account_id=str(opportunity["account_id"]))
        row = feature_row(model, event.occurred_at, opportunity, events, account, owner_closed, account_closed)
    except CrmNotFoundError as exc:
        raise BadEventError("unknown_opportunity", f"opportunity {event.opportunity_id}: {exc}") from exc
    except RowInputError as exc:
        raise BadEventError("incomplete_history", str(exc)) from exc
    result = score_row(loaded, row)
    record = record_of(event, model, basis, result, deps.now())
    answer = crm.write_score(event.opportunity_id, idempotency_key(event.opportunity_id, event.version, version),
                             write_back_payload(record))
    store.put(deps.ddb, deps.scores_table, record, deps.settings.score_retention_days)
    return Outcome("scored", record, answer.status)


def record_of(event: CrmEvent, model: str, basis: str, result: OpportunityScore, now: datetime) -> store.ScoreRecord:
    return store.ScoreRecord(
        opportunity_id=event.opportunity_id, scored_at=store.stamp(now), opportunity_version=event.version,
        event_type=event.event_type, model=model, model_version=result.version,
        kind=LIGHTGBM if basis == "model" else FALLBACK, basis=basis, probability=result.probability,
        score=result.score, positive=tuple(f.text for f in result.positive), negative=tuple(f.text for f in result.negative))


def write_back_payload(record: store.ScoreRecord) -> Dict[str, Any]:
    """What the CRM receives: the score, its probability, the model and the reasons, in words."""
    return {"opportunity_id": record.opportunity_id, "opportunity_version": record.opportunity_version,
            "score": record.score, "probability": round(record.probability, 4), "model": record.model,
            "model_version": record.model_version, "basis": record.basis, "positive_factors": list(record.positive),
            "negative_factors": list(record.negative), "scored_at": record.scored_at}


# -- the queue ---------------------------------------------------------------------------
def dead_letter(sqs: Any, queue_url: str, body: str, error: BadEventError) -> None:
    """Send a bad event to the DLQ: the original body kept whole, the reason as a message attribute
    and beside the body, so ops sees why without reading logs."""
    message = json.dumps({"reason": error.reason, "error": str(error), "body": body})
    sqs.send_message(QueueUrl=queue_url, MessageBody=message,
                     MessageAttributes={REASON_ATTRIBUTE: {"DataType": "String", "StringValue": error.reason}})


def process_body(body: str, deps: Deps) -> Outcome:
    return score_event(parse_body(body), deps)

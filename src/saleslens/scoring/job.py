"""Training from the curated CRM history: the job behind `saleslens model train` (and, later, a schedule).

``run_training`` reads the curated CRM tables from the curated bucket (cur_crm__account_versions,
cur_crm__opportunity_versions, cur_crm__opportunity_events), turns them into the scoring frames
(``sources.scoring_frames``), and for each model (creation, proposal):

1. trains a challenger with the time-based split of ``train.default_plan(as_of)`` (as_of = the
   day of ``now``, UTC); short of the minimum history (configured won and lost closes in the last
   ``MinHistory.months`` months) the challenger is the fallback table alone (``train``);
2. writes the artefact ``<prefix>/<model>/<version>.json`` and its evaluation on the holdout
   ``<prefix>/<model>/evaluations/<version>.json`` and ``.txt`` (the table ``evaluate.format_report``
   prints), and ``<prefix>/<model>/last_challenger.json`` (what was trained last, and the decision);
3. promotes the challenger (rewrites ``<prefix>/<model>/champion.json``, the pointer the scoring
   function reads) when:
   - it is a fallback artefact (the minimum history is not met: the fallback serves), or
   - there is no champion yet, or
   - the current champion is a fallback artefact and the challenger beats its own baseline (the
     fallback table fitted before the holdout) by ``champion.decide``: a fallback champion is fitted
     on every close, the holdout's too, so its own holdout figures would be in-sample, or
   - ``champion.challenge`` says the challenger beats the LightGBM champion on the challenger's
     holdout (Brier lower, AUC not worse).

A challenger with an empty holdout is never promoted over an existing champion (nothing to compare on).
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

import pandas as pd
import pyarrow as pa

from saleslens.curate.store import CurateStore
from saleslens.curate.tables import TABLES, CuratedTable
from saleslens.scoring import service
from saleslens.scoring.artefact import FALLBACK
from saleslens.scoring.champion import ChallengeRule, Decision, challenge, decide
from saleslens.scoring.columns import MODELS
from saleslens.scoring.evaluate import EvaluationReport, format_report
from saleslens.scoring.features import build_features
from saleslens.scoring.history import MinHistory
from saleslens.scoring.score import LoadedModel
from saleslens.scoring.sources import ScoringFrames, scoring_frames
from saleslens.scoring.train import TrainConfig, default_plan, train_model

ACCOUNTS = TABLES["cur_crm__account_versions"]
OPPORTUNITIES = TABLES["cur_crm__opportunity_versions"]
EVENTS = TABLES["cur_crm__opportunity_events"]
LAST_CHALLENGER = "last_challenger.json"


class NoCrmHistoryError(RuntimeError):
    """The curated bucket holds no CRM opportunities or events yet (the main job has not curated any)."""


class NoEvaluationError(RuntimeError):
    """No champion (or no evaluation of it) is stored for the model yet."""


@dataclass(frozen=True)
class ModelOutcome:
    model: str
    kind: str  # lightgbm | fallback
    version: str
    artefact_key: str
    evaluation_key: Optional[str]  # None when the holdout held no closed opportunity
    promoted: bool
    reason: str
    champion_version: str  # the champion after this run
    report: Optional[EvaluationReport]


@dataclass(frozen=True)
class TrainingSummary:
    bucket: str
    prefix: str
    as_of: str
    opportunities: int
    won: int
    lost: int
    models: Tuple[ModelOutcome, ...]

    def lines(self) -> List[str]:
        out = [f"trained on {self.opportunities} opportunities ({self.won} won, {self.lost} lost) as of {self.as_of}"]
        for m in self.models:
            verdict = "promoted to champion" if m.promoted else f"not promoted, champion stays {m.champion_version}"
            out.append(f"  {m.model}: {m.kind} {m.version} {verdict} ({m.reason}); s3://{self.bucket}/{m.artefact_key}")
        return out


def evaluation_key(prefix: str, model: str, version: str, ext: str) -> str:
    return f"{prefix}/{model}/evaluations/{version}.{ext}"


def read_crm_history(s3: Any, bucket: str) -> ScoringFrames:
    """The curated CRM tables as scoring frames; NoCrmHistoryError when none is curated yet."""
    store = CurateStore(s3, clean_bucket="", curated_bucket=bucket)
    accounts = _read(store, ACCOUNTS)
    opportunities = _read(store, OPPORTUNITIES)
    events = _read(store, EVENTS)
    if opportunities is None or events is None or accounts is None:
        missing = [t.name for t, f in ((ACCOUNTS, accounts), (OPPORTUNITIES, opportunities), (EVENTS, events)) if f is None]
        raise NoCrmHistoryError(f"no curated CRM data yet in s3://{bucket} ({', '.join(missing)} empty): "
                                "run the main job on the CRM's extracts first")
    # Account versions: the master as known now is each account's latest version (scoring_frames keeps the last row).
    accounts = accounts.sort_values(["account_id", "valid_from"], kind="mergesort")
    return scoring_frames(accounts, opportunities, events)


def _read(store: CurateStore, table: CuratedTable) -> Optional[pd.DataFrame]:
    parts: List[pa.Table] = []
    for dt in (store.curated_partitions(table) if table.partitioned else [None]):
        got = store.read_curated(table, dt)
        if got is not None and got.num_rows:
            parts.append(got)
    if not parts:
        return None
    rows = pa.concat_tables(parts)
    # Money is decimal(18,2) in the curated zone; the scoring library reads float64.
    rows = rows.cast(pa.schema([pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f for f in rows.schema]))
    return rows.to_pandas()


def run_training(s3: Any, bucket: str, *, model_prefix: str, min_history: MinHistory, now: datetime,
                 rule: Optional[ChallengeRule] = None, config: Optional[TrainConfig] = None) -> TrainingSummary:
    """Train both models on the curated CRM history of ``bucket``; write, evaluate, promote (module doc)."""
    frames = read_crm_history(s3, bucket)
    when = now.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0) if now.tzinfo else now.replace(microsecond=0)
    plan = default_plan(when.date())
    cfg = dataclasses.replace(config or TrainConfig(), min_history=min_history)
    outcomes = []
    for model in MODELS:
        features = build_features(model, frames.accounts, frames.opportunities, frames.events)
        result = train_model(model, features, frames.opportunities, plan, cfg, trained_at=when)
        outcomes.append(_settle(s3, bucket, model_prefix, result.model, result.report, result.holdout, rule or ChallengeRule()))
    closed = frames.opportunities["outcome"]
    return TrainingSummary(bucket, model_prefix, plan.as_of.isoformat(), int(len(frames.opportunities)),
                           int((closed == "WON").sum()), int((closed == "LOST").sum()), tuple(outcomes))


def _settle(s3: Any, bucket: str, prefix: str, challenger: LoadedModel, report: Optional[EvaluationReport],
            holdout: pd.DataFrame, rule: ChallengeRule) -> ModelOutcome:
    a = challenger.artefact
    try:
        current: Optional[LoadedModel] = service.champion(s3, bucket, prefix, a.model)
    except service.NoChampionError:
        current = None
    decision: Optional[Decision] = None
    if a.kind == FALLBACK:
        promote, reason = True, str(a.metadata.get("why", "fallback artefact"))
    elif current is None:
        promote, reason = True, "no champion yet"
    elif report is None:
        promote, reason = False, "champion kept: the holdout holds no closed opportunity to compare on"
    elif current.artefact.kind == FALLBACK:
        decision = decide(report.baseline, report.metrics, rule)
        promote, reason = decision.promote, f"against the fallback champion's table fitted before the holdout: {decision.reason}"
    else:
        decision = challenge(current, challenger, holdout, rule)
        promote, reason = decision.promote, decision.reason
    key = service.artefact_key(prefix, a.model, a.version)
    if promote:
        service.publish_champion(s3, bucket, prefix, a)
    else:
        s3.put_object(Bucket=bucket, Key=key, Body=a.to_bytes(), ContentType="application/json")
    eval_key = None
    if report is not None:
        eval_key = evaluation_key(prefix, a.model, a.version, "json")
        body = {"report": _plain(dataclasses.asdict(report)), "promoted": promote, "reason": reason,
                "champion": None if decision is None or decision.champion is None else _plain(dataclasses.asdict(decision.champion))}
        s3.put_object(Bucket=bucket, Key=eval_key, Body=json.dumps(body, indent=2).encode(), ContentType="application/json")
        s3.put_object(Bucket=bucket, Key=evaluation_key(prefix, a.model, a.version, "txt"),
                      Body=format_report(report).encode(), ContentType="text/plain; charset=utf-8")
    champion_version = a.version if promote else (current.artefact.version if current is not None else "")
    last = {"model": a.model, "version": a.version, "kind": a.kind, "promoted": promote, "reason": reason,
            "evaluation_key": eval_key, "champion_version": champion_version}
    s3.put_object(Bucket=bucket, Key=f"{prefix}/{a.model}/{LAST_CHALLENGER}", Body=json.dumps(last, indent=2).encode(),
                  ContentType="application/json")
    return ModelOutcome(a.model, a.kind, a.version, key, eval_key, promote, reason, champion_version, report)


def _plain(value: Any) -> Any:
    """JSON-safe: NaN (e.g. AUC of a one-class holdout) becomes null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def evaluation_text(s3: Any, bucket: str, prefix: str, model: str) -> str:
    """The evaluation tables of the model's champion and, when it was not promoted, of the last challenger."""
    try:
        pointer = json.loads(s3.get_object(Bucket=bucket, Key=service.pointer_key(prefix, model))["Body"].read())
    except s3.exceptions.NoSuchKey as exc:
        raise NoEvaluationError(f"no {model} champion yet at s3://{bucket}/{service.pointer_key(prefix, model)}: "
                                "run `saleslens model train` first") from exc
    version = str(pointer["version"])
    out = [f"== {model} champion {version}", _text_or_note(s3, bucket, prefix, model, version)]
    last = _json_or_none(s3, bucket, f"{prefix}/{model}/{LAST_CHALLENGER}")
    if last is not None and last.get("version") != version:
        out += [f"== {model} last challenger {last['version']} (not promoted: {last.get('reason')})",
                _text_or_note(s3, bucket, prefix, model, str(last["version"]))]
    return "\n".join(out)


def _text_or_note(s3: Any, bucket: str, prefix: str, model: str, version: str) -> str:
    key = evaluation_key(prefix, model, version, "txt")
    try:
        return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))
    except s3.exceptions.NoSuchKey:
        return f"no evaluation stored (s3://{bucket}/{key}): its holdout held no closed opportunity\n"


def _json_or_none(s3: Any, bucket: str, key: str) -> Optional[Dict[str, Any]]:
    try:
        return dict(json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
    except s3.exceptions.NoSuchKey:
        return None


# -- the scheduled job (glue_jobs/train_scoring.py) ---------------------------------------------
RUNS = "runs"  # <prefix>/runs/<run id>.json: each scheduled run's summary (components.TRAINING_RUNS)


def summary_document(summary: TrainingSummary, run_id: str) -> Dict[str, Any]:
    """What a scheduled run leaves beside the models: the counts and each model's decision."""
    return {"run_id": run_id, "as_of": summary.as_of, "opportunities": summary.opportunities, "won": summary.won,
            "lost": summary.lost,
            "models": [{"model": m.model, "kind": m.kind, "version": m.version, "promoted": m.promoted,
                        "reason": m.reason, "champion_version": m.champion_version, "artefact_key": m.artefact_key,
                        "evaluation_key": m.evaluation_key} for m in summary.models]}


def parse_instant(text: str) -> datetime:
    """An ISO date or instant (``Z`` or an offset; naive = UTC), as naive UTC: the Scheduler's
    ``<aws.scheduler.scheduled-time>`` (e.g. 2026-11-29T02:00:00Z) or a date typed by hand."""
    got = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return got.astimezone(timezone.utc).replace(tzinfo=None) if got.tzinfo else got


def main(argv: List[str], s3: Any = None) -> TrainingSummary:
    """Entry point of glue_jobs/train_scoring.py; Glue passes job arguments as --name value pairs.

    Trains as of ``--as_of`` and writes the run's summary to ``<model_prefix>/runs/<run_id>.json``.
    An error (no curated CRM history yet, a slice that cannot train) fails the job run with its
    class name and message, which the state machine records and sends to ops (TrainingFailed).
    """
    import argparse

    parser = argparse.ArgumentParser(prog="train-scoring")
    for name in ("curated_bucket", "model_prefix", "min_history_won", "min_history_lost", "as_of", "run_id"):
        parser.add_argument(f"--{name}", required=True)
    args, _unknown = parser.parse_known_args(argv)  # Glue adds its own (--JOB_ID, --job-bookmark-option...)
    if s3 is None:
        import boto3

        s3 = boto3.client("s3")
    summary = run_training(s3, args.curated_bucket, model_prefix=args.model_prefix, now=parse_instant(args.as_of),
                           min_history=MinHistory(won=int(args.min_history_won), lost=int(args.min_history_lost)))
    s3.put_object(Bucket=args.curated_bucket, Key=f"{args.model_prefix}/{RUNS}/{args.run_id}.json",
                  Body=json.dumps(summary_document(summary, args.run_id), indent=2).encode(),
                  ContentType="application/json")
    for line in summary.lines():
        print(line)
    return summary

"""`saleslens model ...`: the opportunity scores in the scores table, CRM events put on the CRM
events bus (to score an opportunity through the deployed path), and training and evaluating the
models on the curated CRM history (``job``). The AWS target options are those
of the other ops commands (saleslens.cli): an account, or an embedded AWS (`saleslens offline serve`)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, List, Optional, Tuple

import typer

model_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="Opportunity scoring: scores of an opportunity, CRM events to score one, training and evaluating the models.")

_ENDPOINT = typer.Option(None, "--endpoint-url", envvar="AWS_ENDPOINT_URL", help="Endpoint of an offline (embedded) AWS.")
_REGION = typer.Option(None, "--region", help="AWS region (default: AWS_REGION, then the standard chain).")
_PROFILE = typer.Option(None, "--profile", help="AWS profile (default: the standard chain).")


def _target(endpoint_url: Optional[str], region: Optional[str], profile: Optional[str]) -> Tuple[Any, Any, Any]:
    from saleslens import cli, ops

    cfg = cli._config()
    sess = cli._run_ops(lambda: ops.session(region=region, profile=profile, config_region=cfg.region))
    return cfg, sess, endpoint_url or None


def format_scores(opportunity_id: str, records: List[Any]) -> str:
    """The opportunity's scores, newest first, then the trend since last week and the latest reasons."""
    from saleslens.scoring import store

    if not records:
        return f"no score stored for opportunity {opportunity_id}"
    lines = [f"Scores of opportunity {opportunity_id}, newest first",
             f"  {'scored at (UTC)':<27} {'ver':>4} {'model':<9} {'by':<9} {'score':>5} {'prob.':>6}  model version"]
    for r in records:
        lines.append(f"  {r.scored_at:<27} {r.opportunity_version:>4} {r.model:<9} {r.kind:<9} {r.score:>5} "
                     f"{r.probability:>6.1%}  {r.model_version}")
    latest, week_ago = store.trend(records) or (records[0], None)
    if week_ago is None:
        lines.append(f"Trend since last week: no score {store.TREND_DAYS} or more days before the latest")
    else:
        lines.append(f"Trend since last week: {week_ago.score} -> {latest.score} ({latest.score - week_ago.score:+d}), "
                     f"probability {week_ago.probability:.1%} -> {latest.probability:.1%}")
    lines.append(f"Basis: {latest.basis}")
    lines += [f"  + {t}" for t in latest.positive] + [f"  - {t}" for t in latest.negative]
    return "\n".join(lines)


@model_app.command("score")
def score(
    opportunity: str = typer.Option(..., "--opportunity", help="The CRM opportunity id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    endpoint_url: Optional[str] = _ENDPOINT,
    region: Optional[str] = _REGION,
    profile: Optional[str] = _PROFILE,
) -> None:
    """The opportunity's scores from the scores table (newest first: when, CRM version, model, what
    scored it, score 1-5, probability, model version), the trend since last week and the reasons."""
    from dataclasses import asdict

    from saleslens import cli, components
    from saleslens.scoring import store

    cfg, sess, endpoint = _target(endpoint_url, region, profile)
    ddb = sess.client("dynamodb", endpoint_url=endpoint)
    records = cli._run_ops(lambda: store.history(ddb, cfg.name(components.OPPORTUNITY_SCORES_TABLE), opportunity))
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in records], indent=2))
    else:
        typer.echo(format_scores(opportunity, records))


@model_app.command("emit-events")
def emit_events(
    opportunity: str = typer.Option(..., "--opportunity", help="The CRM opportunity id."),
    version: int = typer.Option(..., "--version", min=1, help="The opportunity's version after the change."),
    event_type: str = typer.Option("OPPORTUNITY_UPDATED", "--type",
                                   help="OPPORTUNITY_CREATED, OPPORTUNITY_UPDATED or PROPOSAL_SENT."),
    occurred_at: Optional[str] = typer.Option(None, "--occurred-at", help="ISO-8601 instant with zone (default: now)."),
    endpoint_url: Optional[str] = _ENDPOINT,
    region: Optional[str] = _REGION,
    profile: Optional[str] = _PROFILE,
) -> None:
    """Put one CRM opportunity event on the CRM events bus, as the CRM does: score-opportunity scores
    it from the queue (offline, `saleslens offline serve` delivers the queue to it)."""
    from saleslens import cli, components
    from saleslens.scoring.events import BadEventError, envelope, parse_detail

    when = occurred_at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        event = parse_detail({"opportunity_id": opportunity, "version": version, "event_type": event_type,
                              "occurred_at": when})
    except BadEventError as exc:
        cli._fail(str(exc))
        raise
    cfg, sess, endpoint = _target(endpoint_url, region, profile)
    entry = {**envelope(event), "EventBusName": cfg.name(components.CRM_EVENT_BUS)}
    resp = cli._run_ops(lambda: sess.client("events", endpoint_url=endpoint).put_events(Entries=[entry]))
    if resp.get("FailedEntryCount"):
        cli._fail(f"EventBridge refused the event: {resp['Entries'][0].get('ErrorMessage')}")
    typer.echo(f"put {event.event_type} of {event.opportunity_id} version {event.version} on {entry['EventBusName']}")


_ACCOUNT = typer.Option(None, "--account", help="AWS account id of the bucket names (default: sts:GetCallerIdentity).")


def _models_bucket(endpoint_url: Optional[str], region: Optional[str], profile: Optional[str],
                   account: Optional[str]) -> Tuple[Any, Any, str]:
    """The config, an S3 client and the curated bucket (where the curated CRM tables and the model
    artefacts are), in the account and region the options name, as the other ops commands resolve them."""
    from saleslens import cli, ops

    cfg, sess, endpoint = _target(endpoint_url, region, profile)
    target = cli._run_ops(lambda: ops.resolve_target(cfg, sess, account=account, endpoint_url=endpoint))
    return cfg, sess.client("s3", endpoint_url=target.endpoint_url), cfg.bucket_name("curated", target.account, target.region)


def _instant(text: Optional[str]) -> datetime:
    """--now: an ISO date (midnight UTC) or instant (naive = UTC); default the current instant."""
    from saleslens import cli

    if not text:
        return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    try:
        got = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        cli._fail(f"--now {text!r} is not an ISO date or instant (e.g. 2026-04-01 or 2026-04-01T06:00:00Z)")
        raise
    return got.astimezone(timezone.utc).replace(tzinfo=None) if got.tzinfo else got


@model_app.command("train")
def train(
    now: Optional[str] = typer.Option(None, "--now", help="Train as of this day or instant (ISO; default: now, UTC)."),
    endpoint_url: Optional[str] = _ENDPOINT,
    region: Optional[str] = _REGION,
    profile: Optional[str] = _PROFILE,
    account: Optional[str] = _ACCOUNT,
) -> None:
    """Train both models (creation, proposal) on the curated CRM history, here in your shell: write each
    artefact and its holdout evaluation under the model prefix of the curated bucket, and make a model
    champion only if it beats the current one on the same holdout (see docs/scoring.md). Short of the
    minimum history the fallback table is written as champion, and the output says so."""
    from saleslens import cli
    from saleslens.scoring.history import MinHistory
    from saleslens.scoring.job import NoCrmHistoryError, run_training
    from saleslens.scoring.train import TrainingDataError

    when = _instant(now)
    cfg, s3, bucket = _models_bucket(endpoint_url, region, profile, account)
    s = cfg.scoring
    try:
        summary = cli._run_ops(lambda: run_training(s3, bucket, model_prefix=s.model_prefix, now=when,
                                                    min_history=MinHistory(won=s.min_history_won, lost=s.min_history_lost)))
    except (NoCrmHistoryError, TrainingDataError) as exc:
        cli._fail(str(exc))
        raise
    for line in summary.lines():
        typer.echo(line)


@model_app.command("evaluate")
def evaluate(
    model: Optional[str] = typer.Option(None, "--model", help="creation or proposal (default: both)."),
    endpoint_url: Optional[str] = _ENDPOINT,
    region: Optional[str] = _REGION,
    profile: Optional[str] = _PROFILE,
    account: Optional[str] = _ACCOUNT,
) -> None:
    """Print the holdout evaluation of the model's champion (AUC and Brier against the fallback baseline,
    calibration, lift by score) and, when the last model trained was not promoted, that challenger's."""
    from saleslens import cli
    from saleslens.scoring.columns import MODELS
    from saleslens.scoring.job import NoEvaluationError, evaluation_text

    if model is not None and model not in MODELS:
        cli._fail(f"--model {model!r}: expected one of {', '.join(MODELS)}")
    cfg, s3, bucket = _models_bucket(endpoint_url, region, profile, account)
    for name in [model] if model else list(MODELS):
        try:
            text = cli._run_ops(lambda: evaluation_text(s3, bucket, cfg.scoring.model_prefix, name))  # noqa: B023
        except NoEvaluationError as exc:
            cli._fail(str(exc))
            raise
        typer.echo(text)

"""The saleslens command line."""
from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Callable, Dict, Optional, Sequence, Union

import typer
from typer.core import TyperGroup

from saleslens.errors import SalesLensError


class _OneLineErrors(TyperGroup):
    """Every misuse of the CLI, and every named error reaching it, is one line on stderr.

    Usage errors (a bad option value, an unknown command) exit 2 as click's do; so do the
    project's named errors (a bad config file, an unusable --out): each says what to fix, so a
    traceback would only hide it. Anything else is a bug and keeps its traceback."""

    def main(self, args: Optional[Sequence[str]] = None, prog_name: Optional[str] = None,  # type: ignore[override]
             complete_var: Optional[str] = None, standalone_mode: bool = True, **extra: Any) -> Any:
        # (windows_expand_args and the like pass through **extra: the override keeps click's contract)
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as exc:  # click's usage errors
            if type(exc).__name__ == "NoArgsIsHelpError":  # `saleslens` alone: typer has printed the help
                if exc.format_message().strip():
                    typer.echo(exc.format_message(), err=True)
                sys.exit(exc.exit_code)
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            _error_line(exc.format_message().replace("Value error, ", "") + hint)
            sys.exit(exc.exit_code)
        except SalesLensError as exc:
            _error_line(str(exc))
            sys.exit(2)
        except typer.Abort:
            typer.echo("aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _error_line(message: str) -> None:
    typer.echo(f"error: {' '.join(message.split())}", err=True)


app = typer.Typer(cls=_OneLineErrors, add_completion=False, no_args_is_help=True,
                  help="SalesLens: sales-performance analytics on AWS.")


@app.callback()
def _root() -> None:
    """SalesLens: sales-performance analytics on AWS."""


def _quiet_logs() -> None:
    # The handlers run in this process offline: keep their JSON logs and EMF metrics off the
    # terminal (they are what CloudWatch receives in AWS), and moto's own tracebacks too.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    # moto's Step Functions workers share small connection pools; their overflow is harmless.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")


def _parse_date(value: Optional[str], default: date) -> date:
    return default if value is None else _date_arg(value)


def _date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _business_date(value: Optional[str]) -> date:
    """The date asked for, or the last weekday before today (field sales barely invoice on weekends)."""
    day = date.today() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return _parse_date(value, day)


def _one_of(names: Callable[[], Sequence[str]]) -> Callable[[str], str]:
    """Option callback refusing a value outside ``names()``, with the valid ones in the message.
    The names are looked up when the command runs, so the CLI starts without importing the
    generator."""

    def check(value: str) -> str:
        allowed = list(names())
        if value not in allowed:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return check


def _scales() -> Sequence[str]:
    from saleslens.generate.scales import SCALES

    return list(SCALES)


def _cadences() -> Sequence[str]:
    from saleslens.distribution.marts import CADENCES

    return CADENCES


_DIRT: Dict[str, Union[bool, str]] = {"none": False, "rows": True, "full": "full"}


def _main_job_out(out: Path) -> None:
    """Refuse an --out the main job cannot write into, before the job runs (OutDirError)."""
    from saleslens.offline.outdir import OutDir

    OutDir.open(out)


def _now() -> str:
    """This moment as Scheduler's <aws.scheduler.scheduled-time> gives it."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _scheduled_day(tz: str, country: str) -> date:
    """The run date a schedule firing now would get ("auto"), by the generator's holiday calendar
    (the one the demo lands as hr_holidays): the previous business day of ``country``."""
    from saleslens.distribution.run_date import local_day, previous_business_day
    from saleslens.generate.calendar import is_working_day

    return previous_business_day(local_day(_now(), tz), lambda d: is_working_day(country, d))


def _run_and_report(files, arrivals, day, cadence: str, out: Path,  # type: ignore[no-untyped-def]
                    scheduled_time: Optional[str] = None) -> None:
    from saleslens.offline.main_job import run_main_job

    summary = run_main_job(files=files, arrivals=arrivals, run_date=day, cadence=cadence, out=out,
                           progress=lambda m: typer.echo(f"  {m}"), scheduled_time=scheduled_time)
    _print_summary(summary)
    if summary.problems():  # a failed run, or reports left undelivered
        raise typer.Exit(code=1)


@app.command()
def demo(
    out: Path = typer.Option(Path("out"), help="Folder for reports, the email outbox and quarantined rows."),
    run_date: Optional[str] = typer.Option(None, "--date", help=(
            "Business date (YYYY-MM-DD); default what a schedule firing now would report: the main country's "
            "previous business day (the distribution is started with run_date \"auto\", as the schedules do)."
        )),
    scale: str = typer.Option("tiny", callback=_one_of(_scales), help="Org size: tiny or small (usv history is a benchmark: see bench/)."),
    seed: int = typer.Option(7, help="Generator seed; the same seed gives the same files."),
    cadence: str = typer.Option("daily", callback=_one_of(_cadences), help="daily, fortnightly or monthly."),
    history_months: int = typer.Option(13, "--history-months", min=1, help=(
            "At least this many months of history, loaded first as monthly backfill extracts (always back to the "
            "previous fiscal year's start)."
        )),
) -> None:
    """Run the main job offline: generate an org with its history and the day's files, ingest and
    curate them, distribute, and write what it produced to OUT."""
    _quiet_logs()
    cfg = _config()  # a bad config file or --out fails now, not after generating
    _main_job_out(out)
    from saleslens.generate import default_history_from
    from saleslens.generate import generate as make

    scheduled = _now() if run_date is None else None
    day = _scheduled_day(cfg.schedules.timezone, cfg.calendar.main_country) if scheduled else _date_arg(str(run_date))
    since = default_history_from(day, history_months)
    typer.echo(f"generating a {scale} org (seed {seed}): its history from {since.isoformat()} as monthly backfill "
               f"extracts, then every source's files of {day.isoformat()}")
    data = make(scale=scale, start=day, days=1, seed=seed, history_from=since)
    typer.echo(f"  {len(data.files)} files; ingesting, curating and distributing them through the embedded AWS")
    _run_and_report(data.files, data.arrivals, "auto" if scheduled else day, cadence, out, scheduled_time=scheduled)


@app.command()
def run(
    landing: Path = typer.Option(..., "--landing", help="Folder of source extracts laid out as `saleslens generate` writes them."),
    out: Path = typer.Option(Path("out"), help="Folder for reports, the email outbox and quarantined rows."),
    run_date: Optional[str] = typer.Option(None, "--date", help=(
            "Report date (YYYY-MM-DD), or auto (as a schedule firing now: the main country's previous business day, "
            "settled by the distribution from the ingested holiday calendar); default the last day with daily fact files."
        )),
    cadence: str = typer.Option("daily", callback=_one_of(_cadences), help="daily, fortnightly or monthly."),
) -> None:
    """Run the main job offline on extracts of your own: ingest and curate every file of LANDING
    (any number of days, masters and facts), distribute for the date, and export to OUT."""
    _quiet_logs()
    from saleslens.offline.landing import LandingFolderError, choose_run_date, read_landing

    _config()
    _main_job_out(out)
    auto = run_date == "auto"
    asked = _date_arg(run_date) if run_date and not auto else None
    try:
        files = read_landing(landing)
        day = None if auto else choose_run_date(files, asked)
    except LandingFolderError as exc:
        _fail(str(exc))
    if day is None:
        typer.echo(f"{len(files.files)} files under {landing}; report date auto (the previous business day), {cadence}")
        _run_and_report(files.files, files.arrivals, "auto", cadence, out, scheduled_time=_now())
        return
    typer.echo(f"{len(files.files)} files under {landing}; report date {day.isoformat()}, {cadence}")
    _run_and_report(files.files, files.arrivals, day, cadence, out)


@app.command()
def generate(
    out: Path = typer.Option(Path("landing"), help="Folder to write the landing-zone files into."),
    scale: str = typer.Option("tiny", callback=_one_of(_scales), help="tiny, small (or a scale the generator declares)."),
    start: Optional[str] = typer.Option(None, help="First business date (YYYY-MM-DD); default 2024-04-01."),
    days: int = typer.Option(1, min=1, help="Number of days of daily files."),
    seed: int = typer.Option(7, help="Seed; the same arguments give byte-identical files."),
    dirt: str = typer.Option("rows", callback=_one_of(lambda: list(_DIRT)), help=(
            "Defects to plant, all listed in manifest.json: none; rows (bad invoice rows); full (row defects in "
            "every daily file and backfill extract plus duplicated, late, schema-drifted, truncated and "
            "wrong-encoding daily files)."
        )),
    history_months: int = typer.Option(0, "--history-months", min=0, help=(
            "Load a history first, as a customer backfills: N > 0 starts it on the 1st of the month N months "
            "before --start (opening masters, monthly backfill extracts, monthly targets and call plans, one HR "
            "snapshot the day before --start); 0: none."
        )),
    receivables_daily: bool = typer.Option(False, "--receivables-daily", help=(
            "Send the ERP receivables ageing on every day of the run, not only at month ends."
        )),
) -> None:
    """Write generated source files under OUT/<source>/<dataset>/dt=.../ plus manifest.json."""
    from dataclasses import asdict

    from saleslens.generate import DEFAULT_START
    from saleslens.generate import generate as make
    from saleslens.generate.calendar import add_months
    from saleslens.offline.outdir import ensure_writable_dir

    first = _parse_date(start, DEFAULT_START)
    ensure_writable_dir(out)  # before generating: an unusable --out is one line (OutDirError), not a traceback
    history_from = add_months(first, -history_months) if history_months > 0 else None
    data = make(scale=scale, start=first, days=days, seed=seed, dirt=_DIRT[dirt], history_from=history_from,
                receivables_daily=receivables_daily)
    for key, body in data.files.items():
        target = out / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    (out / "manifest.json").write_text(json.dumps([asdict(d) for d in data.manifest], indent=2))
    # The day each file is delivered (late files after their date): `saleslens run` replays it.
    (out / "deliveries.json").write_text(json.dumps({k: v.isoformat() for k, v in data.arrivals.items()}, indent=2))
    since = f" (history from {history_from.isoformat()})" if history_from else ""
    typer.echo(f"wrote {len(data.files)} files, manifest.json ({len(data.manifest)} planted defects) and "
               f"deliveries.json under {out}{since}")
    for role, counts in data.org.items():
        typer.echo(f"  {role:<4} " + ", ".join(f"{k} {v}" for k, v in counts.items()))


# -- ops: runs, runs show, redrive, curate --rebuild ----------------------------------------------
_ENDPOINT_HELP = "Endpoint of an offline (embedded) AWS, e.g. the one `saleslens offline serve` prints."
EndpointOpt = Annotated[Optional[str], typer.Option("--endpoint-url", envvar="AWS_ENDPOINT_URL", show_envvar=True, help=_ENDPOINT_HELP)]
RegionOpt = Annotated[Optional[str], typer.Option("--region", help="AWS region (default: AWS_REGION, then the standard chain).")]
ProfileOpt = Annotated[Optional[str], typer.Option("--profile", help="AWS profile (default: the standard chain, e.g. AWS_PROFILE).")]
AccountOpt = Annotated[Optional[str], typer.Option("--account", help="AWS account id for ARNs (default: sts:GetCallerIdentity).")]

runs_app = typer.Typer(add_completion=False, help=(
        "Ingest and curation runs (and distribution runs that ended badly) from the run ledger: list them, or"
        " `runs show ID`."
    ))
app.add_typer(runs_app, name="runs")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _config():  # type: ignore[no-untyped-def]
    """The config (SALESLENS_CONFIG or config/saleslens.json); a bad one is one line, exit 2."""
    from saleslens.config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        _fail(str(exc))


def _ops_context(ctx: typer.Context, endpoint_url: Optional[str], region: Optional[str],  # type: ignore[no-untyped-def]
                 profile: Optional[str], account: Optional[str], cfg=None):
    """Target options of the command, falling back to those given to the `runs` group."""
    from saleslens import ops

    group = (ctx.parent.params if ctx.parent is not None and ctx.parent.info_name == "runs" else {}) or {}
    endpoint_url = endpoint_url or group.get("endpoint_url")
    region, profile, account = region or group.get("region"), profile or group.get("profile"), account or group.get("account")
    cfg = cfg or _config()
    sess = _run_ops(lambda: ops.session(region=region, profile=profile, config_region=cfg.region))
    target = _run_ops(lambda: ops.resolve_target(cfg, sess, account=account, endpoint_url=endpoint_url))
    return sess, target


def _run_ops(fn):  # type: ignore[no-untyped-def]
    """Call an ops function; the errors a person can fix become one line on stderr and exit 2."""
    from botocore.exceptions import BotoCoreError, ClientError

    from saleslens import ops

    try:
        return fn()
    except ops.OpsError as exc:
        _fail(str(exc))
    except ClientError as exc:
        err = exc.response.get("Error", {})
        _fail(f"AWS error {err.get('Code', '?')}: {(err.get('Message') or str(exc)).splitlines()[0]}")
    except BotoCoreError as exc:
        _fail(f"AWS error: {exc}")


@runs_app.callback(invoke_without_command=True)
def runs(
    ctx: typer.Context,
    pipeline: str = typer.Option("ingest", "--pipeline", help=(
            "Which runs: ingest (one per landed file), curation (one per published partition), training (one per "
            "train-scoring run) or distribution (only those that ended FAILED, TIMED_OUT or ABORTED)."
        )),
    limit: int = typer.Option(20, min=1, help="How many runs to show."),
    dataset: Optional[str] = typer.Option(None, help="Only this dataset, e.g. erp_primary_invoices."),
    status: Optional[str] = typer.Option(None, help=(
            "Only runs with this status: RUNNING, SUCCEEDED, FAILED, QUARANTINED, TIMED_OUT, ABORTED."
        )),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    endpoint_url: EndpointOpt = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    account: AccountOpt = None,
) -> None:
    """List recent runs, newest first: ingest runs (status, dataset, file, row counts) or, with
    --pipeline curation, curation runs (status, dataset, partition date, rows in and written,
    partitions written, the ingest run each follows); and why a run failed."""
    if ctx.invoked_subcommand is not None:
        return
    from saleslens import ops

    _run_ops(lambda: ops.check_pipeline(pipeline))
    sess, target = _ops_context(ctx, endpoint_url, region, profile, account)
    ddb, sfn = sess.client("dynamodb", endpoint_url=target.endpoint_url), sess.client("stepfunctions", endpoint_url=target.endpoint_url)
    found = _run_ops(lambda: ops.list_runs(ddb, sfn, target, pipeline=pipeline, limit=limit, dataset=dataset, status=status))
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in found], indent=2, default=str))
    else:
        typer.echo(ops.format_runs(found, pipeline=pipeline))


@runs_app.command("show")
def runs_show(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., help=(
            "Run id (the execution name) of an ingest or curation run, from `saleslens runs [--pipeline "
            "curation]`."
        )),
    full: bool = typer.Option(False, "--full", help="Show whole causes (pretty-printed) and every failed attempt."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
    endpoint_url: EndpointOpt = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    account: AccountOpt = None,
) -> None:
    """Show one run, ingest or curation (its ledger item says which): the run-ledger item and its
    execution state by state (tries, errors, causes)."""
    from saleslens import ops

    sess, target = _ops_context(ctx, endpoint_url, region, profile, account)
    ddb, sfn = sess.client("dynamodb", endpoint_url=target.endpoint_url), sess.client("stepfunctions", endpoint_url=target.endpoint_url)
    detail = _run_ops(lambda: ops.show_run(ddb, sfn, target, run_id))
    if as_json:
        typer.echo(json.dumps(detail.as_dict(), indent=2, default=str))
    else:
        typer.echo(ops.format_run_detail(detail, full=full))


@app.command()
def redrive(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., help="Run id of a FAILED ingest or curation run (from `saleslens runs [--pipeline curation]`)."),
    restart: bool = typer.Option(False, "--restart", help="Start a new execution with the same input (<ID>-r<N>) instead of redriving."),
    wait: bool = typer.Option(False, "--wait", help="Wait until the redriven or restarted run ends, and exit 1 unless it succeeds."),
    endpoint_url: EndpointOpt = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    account: AccountOpt = None,
) -> None:
    """Run a failed ingest or curation run again (its ledger item says which state machine runs it).

    A FAILED run ended in its catch handler's Fail state, which is all Step Functions' RedriveExecution would
    replay, so it is restarted: a new execution <ID>-r<N> with the same input (safe: ingest overwrites its
    partition, curation rebuilds what the partition feeds from the clean zone, and each restart has its own
    ledger item). A TIMED_OUT or ABORTED run is redriven from the state it stopped in (offline, where the
    embedded AWS cannot redrive, it is restarted too). The output says which happened.
    """
    from botocore.config import Config as BotoConfig

    from saleslens import ops

    sess, target = _ops_context(ctx, endpoint_url, region, profile, account)
    ddb, sfn = sess.client("dynamodb", endpoint_url=target.endpoint_url), sess.client("stepfunctions", endpoint_url=target.endpoint_url)
    # Offline, an endpoint without RedriveExecution answers 500: ask once, not three times.
    once = (sess.client("stepfunctions", endpoint_url=target.endpoint_url,
                        config=BotoConfig(retries={"mode": "standard", "max_attempts": 1}))
            if target.endpoint_url else None)
    outcome = _run_ops(lambda: ops.redrive(ddb, sfn, target, run_id, restart=restart, sfn_no_retry=once))
    typer.echo(ops.format_redrive(outcome))
    if wait:
        final = _run_ops(lambda: ops.wait_for(sfn, outcome.execution_arn))
        typer.echo(f"{outcome.execution_name}: {final}")
        if final != "SUCCEEDED":
            raise typer.Exit(code=1)


@app.command()
def deliveries(
    ctx: typer.Context,
    run_id: Optional[str] = typer.Argument(None, help="Run id (execution name) of a distribution run; default the latest."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    endpoint_url: EndpointOpt = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    account: AccountOpt = None,
) -> None:
    """Show what a distribution run did for each role level: delivered, corrected, already_sent,
    suppressed and failed, and why (reasons counted), and its tablet notifications per device
    outcome, from the run's own outcome records: the same counts as the run summary."""
    from saleslens.distribution import report_deliveries as rd

    cfg = _config()
    sess, target = _ops_context(ctx, endpoint_url, region, profile, account, cfg=cfg)
    s3, sfn = sess.client("s3", endpoint_url=target.endpoint_url), sess.client("stepfunctions", endpoint_url=target.endpoint_url)
    bucket = cfg.bucket_name("reports", target.account, target.region)

    def find() -> rd.RunDeliveries:
        try:
            name = run_id or rd.latest_run(sfn, target.state_machine("distribution"), s3, bucket)
            return rd.run_deliveries(s3, bucket, name)
        except rd.DeliveriesError as exc:
            from saleslens import ops

            raise ops.OpsError(str(exc)) from None

    found = _run_ops(find)
    typer.echo(json.dumps(found.as_dict(), indent=2) if as_json else rd.format_deliveries(found))


curate_app = typer.Typer(add_completion=False)  # help: the callback's docstring
app.add_typer(curate_app, name="curate")


@curate_app.callback(invoke_without_command=True)
def curate(
    ctx: typer.Context,
    rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild every curated table from the clean zone."),
    endpoint_url: EndpointOpt = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    account: AccountOpt = None,
) -> None:
    """Rebuild the curated zone (--rebuild): every curated table from what the clean zone holds.

    For when the curated zone's source index (s3://<curated bucket>/_index/) is lost or unreadable
    (CuratedIndexError), or after a change to the curation code. It prints each table as it is rebuilt and a
    final count.

    It runs here, in your shell with your credentials, not in the curate function: it needs read on the clean
    bucket, read/write on the curated bucket (and use of the lake's KMS key), and states:ListExecutions on the
    curate state machine. Curation runs must not run at the same time: the curate function's reserved
    concurrency of 1 serialises only the function, not this command. So it refuses to start while a curation
    run is RUNNING, and warns (exit 1) if one started while it ran; run it when no files are landing.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not rebuild:
        _fail("nothing to do: pass --rebuild to rebuild every curated table from the clean zone (see `saleslens curate --help`)")
    from saleslens import ops
    from saleslens.curate.run import CurateSettings

    cfg = _config()
    sess, target = _ops_context(ctx, endpoint_url, region, profile, account, cfg=cfg)
    s3, sfn = sess.client("s3", endpoint_url=target.endpoint_url), sess.client("stepfunctions", endpoint_url=target.endpoint_url)
    clean, curated = (cfg.bucket_name(zone, target.account, target.region) for zone in ("clean", "curated"))
    typer.echo(f"rebuilding every curated table from s3://{clean} into s3://{curated}")
    outcome = _run_ops(lambda: ops.rebuild_curated(
        s3, sfn, target, clean_bucket=clean, curated_bucket=curated, settings=CurateSettings.from_config(cfg),
        progress=lambda m: typer.echo(f"  {m}")))
    typer.echo(ops.format_rebuild(outcome))
    if outcome.started_meanwhile:
        raise typer.Exit(code=1)


# Paragraphs as single strings: typer keeps a docstring's line breaks.
_ERASE_HELP = (
    "Erase one person's personal data (name, email, mobile) from every zone and table, and record it in the audit log "
    "(s3://<quarantine bucket>/_audit/erasure/).\n\n"
    "Their reports and delivery-ledger records are deleted; their entries in each run's recipients "
    "file, query results, rejected rows and refused files are removed; raw HR files holding them are deleted once "
    "ingested; their rows in the clean and curated HR tables stay (the hierarchy is built on their ids and dates) with "
    "name, email and mobile blanked. A second run finds nothing and says so. See docs/runbook.md, \"Erasing a person's "
    "data\".\n\n"
    "It runs here, with your credentials (read, write and delete, versions included, on the lake buckets; scan, update "
    "and delete on the two ledgers; the lake's KMS key), and refuses to start while an ingest, curation or distribution "
    "run is RUNNING. Exit 1: something was kept (a raw file not yet ingested) or a run started meanwhile; run it again."
)


@app.command(help=_ERASE_HELP)
def erase(
    ctx: typer.Context,
    employee: str = typer.Option(..., "--employee",
                                 help="Employee id (E and six digits) of the person whose personal data goes."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would change, change nothing."),
    endpoint_url: EndpointOpt = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    account: AccountOpt = None,
) -> None:
    """Erase one person's personal data from every zone and table (the help text is ``_ERASE_HELP``)."""
    from saleslens import erasure, ops

    _run_ops(lambda: erasure.check_employee_id(employee))
    cfg = _config()
    sess, target = _ops_context(ctx, endpoint_url, region, profile, account, cfg=cfg)
    s3, ddb, sfn, sns = (sess.client(s, endpoint_url=target.endpoint_url)
                         for s in ("s3", "dynamodb", "stepfunctions", "sns"))

    def who() -> str:
        with ops.aws_errors("sts:GetCallerIdentity", target.endpoint_url):
            return str(sess.client("sts", endpoint_url=target.endpoint_url).get_caller_identity()["Arn"])

    requested_by = _run_ops(who)
    typer.echo(f"erasing {employee}" + (" (dry run: nothing changes)" if dry_run else "") + f", requested by {requested_by}")
    outcome = _run_ops(lambda: erasure.erase(
        s3, ddb, sfn, target, erasure.Where.of(cfg, target.account, target.region), employee,
        sns=sns, requested_by=requested_by, dry_run=dry_run, progress=typer.echo))
    if dry_run:
        return
    for line in erasure.summary(outcome):
        typer.echo(line)
    if outcome.status != "completed":
        raise typer.Exit(code=1)


# -- links: the link access log and revocation (saleslens.links.cli) -------------------------------
from saleslens.links.cli import links_app  # noqa: E402  (beside the group it adds)

app.add_typer(links_app, name="links")


# -- model: opportunity scores and CRM events (saleslens.scoring.cli) ------------------------------
from saleslens.scoring.cli import model_app  # noqa: E402  (beside the group it adds)

app.add_typer(model_app, name="model")


# -- offline: the embedded AWS for a person -------------------------------------------------------
offline_app = typer.Typer(add_completion=False, no_args_is_help=True, help="The embedded AWS, for trying the ops commands offline.")
app.add_typer(offline_app, name="offline")


@offline_app.command("serve")
def offline_serve(
    with_demo: bool = typer.Option(False, "--with-demo", help="Run the demo's main job into it first (generate, ingest, distribute)."),
    out: Path = typer.Option(Path("out"), help="With --with-demo: folder for reports, the email outbox and quarantined rows."),
    run_date: Optional[str] = typer.Option(None, "--date", help=(
            "With --with-demo: business date (YYYY-MM-DD); default the last weekday before today."
        )),
    scale: str = typer.Option("tiny", callback=_one_of(_scales), help="With --with-demo: org size, tiny or small."),
    seed: int = typer.Option(7, help="With --with-demo: generator seed."),
) -> None:
    """Start the embedded AWS (our real state machines, handlers and jobs) and serve it until Ctrl-C."""
    _quiet_logs()
    _config()
    if with_demo:
        _main_job_out(out)
    from saleslens.offline.server import serve

    day = _business_date(run_date)
    serve(with_demo=with_demo, run_date=day, scale=scale, seed=seed, out=out, echo=typer.echo)


def _print_summary(summary) -> None:  # type: ignore[no-untyped-def]
    from collections import defaultdict

    from saleslens.distribution.unmapped import describe

    typer.echo("")
    typer.echo("Ingest executions, by dataset")
    typer.echo(f"  {'dataset':<32} {'files':>5} {'failed':>6} {'in':>8} {'clean':>8} {'quar.':>6} {'dedup':>6}")
    totals: dict = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for line in summary.ingest:
        t = totals[line.dataset]
        t[0] += 1
        t[1] += line.status != "SUCCEEDED"
        for i, n in enumerate((line.rows_in, line.rows_clean, line.rows_quarantined, line.rows_deduplicated), start=2):
            t[i] += n
    for dataset, t in totals.items():
        typer.echo(f"  {dataset:<32} {t[0]:>5} {t[1]:>6} {t[2]:>8} {t[3]:>8} {t[4]:>6} {t[5]:>6}")
    for line in summary.ingest:
        if line.status != "SUCCEEDED":
            typer.echo(f"  {line.status} {line.key}: {line.error}")
    ok = sum(c.status == "SUCCEEDED" for c in summary.curate)
    typer.echo(f"Curate executions: {len(summary.curate)}, {ok} succeeded, "
               f"{sum(c.partitions_written for c in summary.curate)} curated partitions written")
    for c in summary.curate:
        if c.status != "SUCCEEDED":
            typer.echo(f"  {c.status} {c.execution} ({c.dataset} {c.partition_date}): {c.error}")
    if summary.training:
        t = summary.training
        typer.echo(f"Training {t['execution']}: {t['status']}"
                   + (f" ({'; '.join(f'{k}: {v}' for k, v in t.get('models', {}).items())})" if t.get("models") else "")
                   + (f": {t['error']}" if t.get("error") else ""))
    f = summary.forecast
    if f:
        written = ("forecast written" if f.get("written")
                   else "no forecast: the history is too short (see forecast in docs/kpis.md)")
        typer.echo(f"Forecast execution {f.get('execution')} at origin {f.get('origin')}: {f.get('status')}"
                   + (f" ({f.get('error')})" if f.get("error") else f", {written}"))
    d = summary.distribution
    typer.echo("")
    typer.echo(f"Distribution execution {d.get('execution')}: {d.get('status')}" + (f" ({d.get('error')})" if d.get("error") else ""))
    if d.get("subject"):
        typer.echo(f"  {d['subject']}")
    typer.echo(f"  recipients {d.get('recipients', 0)}, reports written {summary.reports_written}, emails sent {summary.emails_sent}, "
               f"Athena queries {summary.athena_queries}")
    for t in d.get("control_totals", []):
        typer.echo(f"  net primary {t['window']:<9} {t['start']}..{t['end']}: ERP {t['erp_net']} = curated {t['curated_net']} "
                   f"= SR positions {t['sr_positions_net']} + unmapped {t['unmapped_net']}: "
                   + ("balanced" if t["balanced"] else "BROKEN"))
        for entry in t.get("unmapped_activity", []):
            typer.echo(f"    not attributed to any territory, {describe(entry)}")
    typer.echo("")
    typer.echo(f"Open {summary.out}/reports/ (HTML), {summary.out}/outbox/ (.eml), {summary.out}/push-outbox/ (tablet "
               f"notifications, .json), {summary.out}/quarantine/ (rejected rows); "
               f"summary in {summary.out}/summary.json")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())

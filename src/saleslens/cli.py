"""The saleslens command line."""
from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="SalesLens: sales-performance analytics on AWS.")


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
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)")


@app.command()
def demo(
    out: Path = typer.Option(Path("out"), help="Folder for reports, the email outbox and quarantined rows."),
    run_date: Optional[str] = typer.Option(None, "--date", help="Business date (YYYY-MM-DD); default yesterday."),
    scale: str = typer.Option("tiny", help="Org size: tiny or small (usv: see `saleslens generate`)."),
    seed: int = typer.Option(7, help="Generator seed; the same seed gives the same files."),
    cadence: str = typer.Option("daily", help="daily, fortnightly or monthly."),
) -> None:
    """Run the main job offline: generate, ingest, distribute, and write what it produced to OUT."""
    _quiet_logs()
    from saleslens.generate import generate
    from saleslens.offline.main_job import run_main_job

    day = _parse_date(run_date, date.today() - timedelta(days=1))
    if cadence not in ("daily", "fortnightly", "monthly"):
        raise typer.BadParameter("cadence must be daily, fortnightly or monthly")
    typer.echo(f"generating a {scale} org and one day of ERP invoices for {day.isoformat()} (seed {seed})")
    data = generate(scale=scale, start=day, days=1, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    summary = run_main_job(files=data.files, run_date=day, cadence=cadence, out=out, progress=lambda m: typer.echo(f"  {m}"))
    _print_summary(summary)
    failed = [l for l in summary.ingest if l.status != "SUCCEEDED"]
    if summary.distribution.get("status") != "SUCCEEDED" or failed:
        raise typer.Exit(code=1)


@app.command()
def generate(
    out: Path = typer.Option(Path("landing"), help="Folder to write the landing-zone files into."),
    scale: str = typer.Option("tiny", help="tiny, small (or a scale the generator declares)."),
    start: Optional[str] = typer.Option(None, help="First business date (YYYY-MM-DD); default 2024-04-01."),
    days: int = typer.Option(1, min=1, help="Number of days of daily files."),
    seed: int = typer.Option(7, help="Seed; the same arguments give byte-identical files."),
    dirt: bool = typer.Option(True, help="Plant the defects listed in manifest.json."),
) -> None:
    """Write generated source files under OUT/<source>/<dataset>/dt=.../ plus manifest.json."""
    from dataclasses import asdict

    from saleslens.generate import DEFAULT_START
    from saleslens.generate import generate as make

    data = make(scale=scale, start=_parse_date(start, DEFAULT_START), days=days, seed=seed, dirt=dirt)
    for key, body in data.files.items():
        target = out / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    (out / "manifest.json").write_text(json.dumps([asdict(d) for d in data.manifest], indent=2))
    typer.echo(f"wrote {len(data.files)} files and {len(data.manifest)} planted defects under {out}")
    for role, counts in data.org.items():
        typer.echo(f"  {role:<4} " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def _print_summary(summary) -> None:  # type: ignore[no-untyped-def]
    typer.echo("")
    typer.echo("Ingest executions")
    typer.echo(f"  {'status':<10} {'dataset':<22} {'in':>6} {'clean':>6} {'quar.':>6} {'dedup':>6}  execution")
    for l in summary.ingest:
        typer.echo(f"  {l.status:<10} {l.dataset:<22} {l.rows_in:>6} {l.rows_clean:>6} {l.rows_quarantined:>6} {l.rows_deduplicated:>6}  {l.execution}")
    d = summary.distribution
    typer.echo("")
    typer.echo(f"Distribution execution {d.get('execution')}: {d.get('status')}" + (f" ({d.get('error')})" if d.get("error") else ""))
    typer.echo(f"  recipients {d.get('recipients', 0)}, reports written {summary.reports_written}, emails sent {summary.emails_sent}, Athena queries {summary.athena_queries}")
    typer.echo("")
    typer.echo(f"Open {summary.out}/reports/ (HTML), {summary.out}/outbox/ (.eml), {summary.out}/quarantine/ (rejected rows); summary in {summary.out}/summary.json")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())

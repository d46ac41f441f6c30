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


def _quiet_logs() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    logging.basicConfig(level=logging.WARNING)


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

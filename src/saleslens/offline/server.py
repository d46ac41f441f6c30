"""`saleslens offline serve`: the embedded AWS, kept running for a person to point tools at.

It starts OfflineAws (moto with our state machines, handlers and jobs plugged in), optionally
runs the demo's main job into it, prints how to reach it, and serves until SIGINT or SIGTERM.
Everything lives in this process's memory and goes when it stops.
"""
from __future__ import annotations

import signal
import threading
from datetime import date
from pathlib import Path
from typing import Any, Callable, Optional

from saleslens.offline.runtime import OfflineAws


def banner(aws: OfflineAws) -> str:
    return "\n".join([
        f"Offline AWS serving at {aws.endpoint} (account {aws.account}, region {aws.region})",
        "Point the ops commands at it from another shell:",
        f"  export AWS_ENDPOINT_URL={aws.endpoint}",
        f"  export AWS_REGION={aws.region} AWS_DEFAULT_REGION={aws.region} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing",
        "  saleslens runs",
        f"Report links in the outbox's emails open through the link service at {aws.link_url} while this runs",
        "  (the access log: saleslens links opens).",
        f"The CRM score-opportunity calls is a local server at {aws.crm.url} (empty until load_crm); CRM events",
        "  put with `saleslens model emit-events` are scored as they arrive (saleslens model score --opportunity ID).",
        "Everything lives in this process's memory. Ctrl-C stops it.",
    ])


def serve(
    *,
    with_demo: bool = False,
    run_date: Optional[date] = None,
    scale: str = "tiny",
    seed: int = 7,
    cadence: str = "daily",
    out: Path = Path("out"),
    echo: Callable[[str], Any] = print,
    stop: Optional[threading.Event] = None,
    ready: Optional[Callable[[OfflineAws], Any]] = None,
) -> None:
    """Serve until ``stop`` is set (by SIGINT/SIGTERM when called from the main thread)."""
    stop = stop or threading.Event()
    serving = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()
        if not serving.is_set():  # still starting or running the demo: abandon it
            raise KeyboardInterrupt

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        echo("starting the embedded AWS and provisioning it from the config")
        with OfflineAws() as aws:
            if with_demo:
                _run_demo(aws, run_date=run_date or date.today(), scale=scale, seed=seed, cadence=cadence, out=out, echo=echo)
            serving.set()
            echo(banner(aws))
            if ready is not None:
                ready(aws)
            while not stop.wait(0.2):
                # The scoring queue's event source (CRM events put with `saleslens model emit-events`).
                aws.deliver_scoring_events()
        echo("stopped; the offline AWS and everything in it are gone")
    except KeyboardInterrupt:
        echo("interrupted; the offline AWS is stopped")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run_demo(aws: OfflineAws, *, run_date: date, scale: str, seed: int, cadence: str, out: Path, echo: Callable[[str], Any]) -> None:
    from saleslens.generate import generate
    from saleslens.offline.main_job import run_main_job

    echo(f"running the demo's main job: a {scale} org, ERP invoices for {run_date.isoformat()} (seed {seed})")
    data = generate(scale=scale, start=run_date, days=1, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    summary = run_main_job(files=data.files, run_date=run_date, cadence=cadence, out=out, progress=lambda m: echo(f"  {m}"), aws=aws)
    failed = sum(1 for line in summary.ingest if line.status != "SUCCEEDED")
    echo(f"demo done: {len(summary.ingest)} ingest runs ({failed} not succeeded), "
         f"distribution {summary.distribution.get('status')}; files in {out}/")

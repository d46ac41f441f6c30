"""Distribution benchmark: render-only reports/s on usv marts, and an offline daily distribution
with the embedded AWS's calls counted per report.

    .venv/bin/python bench/distribution_bench.py render --cache /tmp/marts-usv   # usv marts (built once, ~4 min)
    .venv/bin/python bench/distribution_bench.py render --cache /tmp/marts-usv --role CMO,ZSM   # the top roles only
    .venv/bin/python bench/distribution_bench.py offline --scale small          # ingest a day, then distribute it
    .venv/bin/python bench/distribution_bench.py email                          # CPU per report email built
    .venv/bin/python bench/distribution_bench.py calls --threads 20             # the embedded AWS's cost per call

render: the marts of bench/marts_bench.py's usv lake (its --cache folder is reused) queried as a
distribution run queries them, then the run's insights built on the same lake (BuildInsights'
job, as bench/insights_bench.py runs it, with its stand-ins for the profitability sources and its
planted findings) and the insight marts queried, each result passed through the offline Athena's
CSV (what render-report reads), then every recipient's report built with the config's scorecard,
rendered, hashed and compressed in one process on one core (what a render-report invocation does
per recipient, without the AWS calls). --no-insights leaves the insight sections out (the bench
as it was before). Prints reports/s by step and by role.

offline: a generated org's day (no history) landed, ingested and curated in the embedded AWS, then
the daily distribution state machine run on it, with every AWS API call the embedded AWS serves
counted (by service and operation: the handlers' calls, from this process or a Lambda worker
process, and the Step Functions engine's own). With --day-before, the day before is landed and
distributed first (untimed: the org's opening files, every master, and the first push to each
device), then the day measured is an ordinary one on top of it: its own files only (the daily
transactions and the HR snapshot), the devices' endpoints already kept. render-report runs in
the offline runtime's default of two processes (two warm containers, each with its own copy of
the marts); --worker-processes 1 runs it in one. The day is then distributed a second time with
the same data (every report rendered and stored again, nothing sent), and the last line gives
the day (ingest + curate + the first run) with its CPU and how busy the machine's cores were, and
the same day with nothing to send (ingest + curate + the second run).

calls: what one delivery's calls cost the embedded AWS's server and its clients, as the Map's
children make them: moto's server in a process of its own (the runtime's server, or moto's own
ThreadedMotoServer with --moto-threaded-server), client threads in this one, each with clients of
its own (a render-report worker's concurrent invocations), each making a report's PUT, a ledger
PutItem and an SES SendRawEmail in turn. Prints wall and CPU per call on each side.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _csv_rows(table: Any) -> List[Dict[str, str]]:
    """Rows as render-report reads them: the offline Athena's CSV, every value text."""
    import pyarrow.csv as pacsv

    from saleslens.distribution.results import csv_rows

    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(quoting_style="all_valid"))
    return csv_rows(buf.getvalue().decode("utf-8"))[1]


def _insight_marts(con: Any, as_of: date, cadence: str, cfg: Any) -> Dict[str, List[Dict[str, str]]]:
    """The insight marts' rows as render-report reads them: BuildInsights' tables for the run date
    (saleslens.insights.job on the bench's lake), then each insight mart's query on them."""
    import insights_bench

    from saleslens.distribution.marts import INSIGHT_MARTS, RunRequest, query
    from saleslens.insights import job
    from saleslens.offline.duck_athena import as_of_domain, single_as_of_date, transpile

    def run(sql: str) -> Any:
        with as_of_domain(con, single_as_of_date(sql)):
            return con.sql(transpile(sql)[-1]).df()

    built = job.build(run, as_of, cadence, cfg.insights, profit_sources=True)
    print(f"insight tables: {built.counts()}", flush=True)
    insights_bench.insight_marts(con, as_of, cadence, built)  # registers the tables, times each mart
    out: Dict[str, List[Dict[str, str]]] = {}
    for mart in INSIGHT_MARTS:
        sql = query(mart, RunRequest(as_of, cadence))
        with as_of_domain(con, single_as_of_date(sql)):
            out[mart.key] = _csv_rows(con.sql(transpile(sql)[0]).to_arrow_table())
    return out


def render_bench(args: argparse.Namespace) -> None:
    import tempfile

    import marts_bench

    from saleslens.components import report_settings
    from saleslens.config import load_config
    from saleslens.delivery.figures import figures_hash
    from saleslens.distribution.marts import INSIGHT_MART_KEYS, MARTS, RunRequest, query
    from saleslens.distribution.results import resolve_recipients
    from saleslens.insights.scorecard import card_from_dict
    from saleslens.offline.duck_athena import as_of_domain, single_as_of_date, transpile
    from saleslens.reports.model import RunData, build_report
    from saleslens.reports.render import render
    from saleslens.reports.stored import page_bytes

    folder = args.cache or Path(tempfile.mkdtemp(prefix="marts-bench-"))
    marts_bench.build(folder, args.start, args.months)
    as_of = args.start - timedelta(days=1)
    if args.no_insights:
        con = marts_bench.connect_files(folder)
    else:
        import insights_bench

        con = insights_bench.connect(folder)  # the profitability sources stood in, as that bench does
        insights_bench.plant(con, as_of)  # findings to show: the cached months alone give none
    rss_before = _rss_mb()
    t = time.perf_counter()
    tables: Dict[str, List[Dict[str, str]]] = {}
    for mart in MARTS:
        sql = query(mart, RunRequest(as_of, args.cadence))
        with as_of_domain(con, single_as_of_date(sql)):
            tables[mart.key] = _csv_rows(con.sql(transpile(sql)[0]).to_arrow_table())
    print(f"marts as of {as_of} ({args.cadence}): {sum(len(v) for v in tables.values()):,} rows in "
          f"{time.perf_counter() - t:.1f} s", flush=True)
    cfg = load_config()
    if not args.no_insights:
        t = time.perf_counter()
        tables.update(_insight_marts(con, as_of, args.cadence, cfg))
        print(f"insights built and their marts queried in {time.perf_counter() - t:.1f} s: "
              + ", ".join(f"{k} {len(tables[k]):,} rows" for k in INSIGHT_MART_KEYS), flush=True)
    t = time.perf_counter()
    settings = report_settings(cfg)  # as BuildInsights passes them to render-report
    data = RunData({k: v for k, v in tables.items() if k != "recipients"},
                   scorecard=card_from_dict(settings["scorecard"]), least_profitable=int(settings["least_profitable"]))
    index_s = time.perf_counter() - t
    print(f"the run's mart rows as render-report holds them: {_rss_mb() - rss_before:,.0f} MB of RSS "
          f"(the rows read from CSV and their RunData index)", flush=True)
    recipients = resolve_recipients(tables["recipients"], email_domains=cfg.distribution.email_domains).recipients
    if args.role:
        recipients = [r for r in recipients if r["role"] in args.role.split(",")]
    if args.limit:
        recipients = recipients[:: max(len(recipients) // args.limit, 1)][: args.limit]
    print(f"RunData indexed in {index_s:.2f} s (once per warm container); {len(recipients):,} recipients", flush=True)
    steps: Dict[str, List[float]] = defaultdict(list)
    by_role: Dict[str, List[float]] = defaultdict(list)
    sizes: List[int] = []
    stored: List[int] = []  # as the reports bucket holds them (saleslens.reports.stored)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for r in recipients:
        t0 = time.perf_counter()
        report = build_report(r, data, run_date=as_of.isoformat(), cadence=args.cadence)
        t1 = time.perf_counter()
        html = render(report)
        t2 = time.perf_counter()
        figures_hash(report)
        t3 = time.perf_counter()
        stored.append(len(page_bytes(html)))
        t4 = time.perf_counter()
        steps["build"].append(t1 - t0)
        steps["render"].append(t2 - t1)
        steps["hash"].append(t3 - t2)
        steps["gzip"].append(t4 - t3)
        by_role[r["role"]].append(t4 - t0)
        sizes.append(len(html.encode("utf-8")))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    n = len(recipients)
    print(f"\n{n:,} reports in {wall:.1f} s wall, {cpu:.1f} s CPU: {n / cpu:.0f} reports/s per core "
          f"(wall {n / wall:.0f}/s)")
    for step, times in steps.items():
        print(f"  {step:<7} mean {statistics.mean(times) * 1000:6.2f} ms  p95 {sorted(times)[int(len(times) * .95)] * 1000:6.2f} ms")
    for role, times in sorted(by_role.items(), key=lambda kv: -statistics.mean(kv[1])):
        print(f"  {role:<4} {len(times):>5} reports, mean {statistics.mean(times) * 1000:6.2f} ms")
    print(f"  HTML size: median {statistics.median(sizes) / 1024:.1f} KB, max {max(sizes) / 1024:.1f} KB; "
          f"stored gzip-compressed: median {statistics.median(stored) / 1024:.1f} KB, max {max(stored) / 1024:.1f} KB")
    print(f"  peak RSS of the process: {_peak_rss_mb():,.0f} MB")


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class TreeRss:
    """The peak of this process's RSS plus its child processes' (a Lambda worker's), sampled every
    0.2 s; the child processes are looked for every 2 s (a worker lives for the runtime's life)."""

    def __init__(self) -> None:
        import threading

        self.peak_mb = 0.0  # this process and its children
        self.own_peak_mb = 0.0  # this process alone
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._children: List[str] = []

    def __enter__(self) -> "TreeRss":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    def reset(self) -> None:
        """Peaks from now on (what a process holds now counts)."""
        self._children = _child_pids()
        own, total = self._now()
        self.own_peak_mb, self.peak_mb = own, total

    def _now(self) -> Tuple[float, float]:
        page = os.sysconf("SC_PAGE_SIZE")
        own = total = 0.0
        for pid in ["self", *self._children]:
            try:
                with open(f"/proc/{pid}/statm") as f:
                    rss = int(f.read().split()[1]) * page / 1e6
            except OSError:
                continue
            total += rss
            own = rss if pid == "self" else own
        return own, total

    def _sample(self) -> None:
        samples = 0
        while not self._stop.wait(0.2):
            if samples % 10 == 0:
                self._children = _child_pids()
            samples += 1
            own, total = self._now()
            self.own_peak_mb, self.peak_mb = max(self.own_peak_mb, own), max(self.peak_mb, total)


def _memory_held(aws: Any) -> str:
    """What the embedded AWS and its engines hold now: moto's S3 objects (every version), the Arrow
    memory pool, the offline Athena's DuckDB."""
    import pyarrow as pa
    from moto.s3.models import s3_backends

    from saleslens.config import ZONES

    s3_bytes, versions, spilled, on_disk = 0, 0, 0, 0
    per_bucket: Counter = Counter()
    for bucket in s3_backends[aws.account]["global"].buckets.values():
        for _name, keys in bucket.keys.iterlists():
            for key in keys:
                size = getattr(key, "size", 0) or 0
                s3_bytes += size
                per_bucket[next((z for z in ZONES if bucket.name == aws.bucket(z)), bucket.name)] += size
                if getattr(getattr(key, "_value_buffer", None), "_rolled", False):
                    spilled, on_disk = spilled + size, on_disk + 1
                versions += 1
    duck = aws.athena_engine._con.sql("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0] or 0
    largest = ", ".join(f"{name} {size / 1e6:,.0f}" for name, size in per_bucket.most_common(4))
    return (f"moto S3 {s3_bytes / 1e6:,.0f} MB in {versions:,} object versions ({largest} MB; "
            f"{spilled / 1e6:,.0f} MB of it on disk in {on_disk:,} files), Arrow pool "
            f"{pa.total_allocated_bytes() / 1e6:,.0f} MB, DuckDB {duck / 1e6:,.0f} MB, RSS now {_rss_mb():,.0f} MB")


def _child_pids() -> List[str]:
    """This process's live child processes (a Lambda worker), from /proc: each process's parent in
    its stat line. Not /proc/self/task/*/children, one file per thread of this process: the
    embedded AWS's server runs a thread per kept connection (185 threads through a usv Map), and
    with 185 threads that read took 4.0-4.4 ms, this one 1.3-2.0 ms (70 processes)."""
    me, pids = os.getpid(), []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):  # the process ended meanwhile
            continue
        if ppid == me:
            pids.append(name)
    return pids


def _tree_cpu() -> float:
    """CPU seconds of this process and its live child processes (a Lambda worker's)."""
    total = time.process_time()
    for pid in _child_pids():
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def _machine_jiffies() -> Tuple[int, int]:
    """The machine's busy and total CPU time so far (/proc/stat, every core), in clock ticks."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return sum(ticks) - idle, sum(ticks)


def _machine_busy(since: Tuple[int, int]) -> float:
    """The share of the machine's CPU time busy (any process) since ``since``."""
    busy, total = _machine_jiffies()
    return (busy - since[0]) / max(1, total - since[1])


def _loadavg() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


class ServerCallCounter:
    """Every AWS API call the embedded AWS serves, by service and operation, whichever process made
    it (the handlers', in this process or a Lambda worker's, and the Step Functions engine's):
    counted at moto's WSGI application from the request's signing scope and its operation (the
    X-Amz-Target header, the query protocol's Action, or the REST method and path)."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self._original: Any = None

    def __enter__(self) -> "ServerCallCounter":
        import threading

        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        self._original = DomainDispatcherApplication.__call__
        original, calls, lock = self._original, self.calls, threading.Lock()

        def counted(app: Any, environ: Dict[str, Any], start_response: Any) -> Any:
            op = _operation(environ)
            if op:
                with lock:
                    calls[op] += 1
            return original(app, environ, start_response)

        DomainDispatcherApplication.__call__ = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: Any) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        DomainDispatcherApplication.__call__ = self._original  # type: ignore[method-assign]


def _operation(environ: Dict[str, Any]) -> str:
    import re
    from urllib.parse import parse_qs

    scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    if not scope:
        return ""  # not an SDK call (moto's own API)
    service, method, path = scope.group(1), environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    if method == "POST" and "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        return f"{service}:{parse_qs(body.decode()).get('Action', ['?'])[0]}"
    if service == "s3":
        has_key = len(path.strip("/").split("/", 1)) == 2
        if has_key:
            name = {"PUT": "CopyObject" if environ.get("HTTP_X_AMZ_COPY_SOURCE") else "PutObject", "GET": "GetObject",
                    "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method, method)
        else:
            name = "ListObjectsV2" if "list-type=2" in query else ("DeleteObjects" if "delete" in query else f"{method} bucket")
        return f"s3:{name}"
    if service == "lambda" and path.endswith("/invocations"):
        return "lambda:Invoke"
    return f"{service}:{method} {path}"


class ThreadProfiles:
    """cProfile in every thread started while open (the embedded AWS's request threads, the Step
    Functions executions) and in this one; the stats of all, merged, written to ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.profiles: List[Any] = []

    def __enter__(self) -> "ThreadProfiles":
        import cProfile
        import threading

        profiles = self.profiles

        def start(*_: Any) -> None:
            sys.setprofile(None)
            p = cProfile.Profile()
            profiles.append(p)
            p.enable()

        threading.setprofile(start)
        main = cProfile.Profile()
        profiles.append(main)
        main.enable()
        return self

    def __exit__(self, *exc: Any) -> None:
        import pstats
        import threading

        threading.setprofile(None)  # type: ignore[arg-type]
        self.profiles[0].disable()
        stats = pstats.Stats(self.profiles[0])
        for p in self.profiles[1:]:
            stats.add(p)
        stats.dump_stats(str(self.path))
        print(f"  profile of {len(self.profiles)} threads in {self.path} (pstats; wall time per thread)")


def state_seconds(events: List[Dict[str, Any]]) -> List[Any]:
    """(state, seconds from entered to exited) for each top-level state of an execution's history,
    in the order entered; a state entered more than once (a retry, a loop) is summed."""
    entered: Dict[str, Any] = {}
    spent: Dict[str, float] = {}
    for e in events:
        kind = e["type"]
        if kind.endswith("StateEntered"):
            name = e["stateEnteredEventDetails"]["name"]
            entered[name] = e["timestamp"]
            spent.setdefault(name, 0.0)
        elif kind.endswith("StateExited"):
            name = e["stateExitedEventDetails"]["name"]
            if name in entered:
                spent[name] += (e["timestamp"] - entered.pop(name)).total_seconds()
    return list(spent.items())


def offline_bench(args: argparse.Namespace) -> None:
    import logging
    from dataclasses import replace

    from saleslens.config import load_config
    from saleslens.generate import generate
    from saleslens.offline import OfflineAws
    from saleslens.offline.main_job import ingest_files

    logging.getLogger("moto").setLevel(logging.CRITICAL)
    t = time.perf_counter()
    before = args.day - timedelta(days=1)
    data = generate(args.scale, start=before if args.day_before else args.day, days=2 if args.day_before else 1, seed=7)
    print(f"generated {args.scale} {before if args.day_before else ''} {args.day}: {len(data.files)} files in "
          f"{time.perf_counter() - t:.1f} s", flush=True)
    own = f"/dt={args.day.isoformat()}/"
    files = {k: v for k, v in data.files.items() if own in k} if args.day_before else dict(data.files)
    base = load_config()
    cfg = replace(base, distribution=replace(base.distribution, batch_size=args.batch_size or base.distribution.batch_size))
    processes = args.worker_processes or OfflineAws.WORKER_PROCESSES
    with TreeRss() as tree, OfflineAws(cfg, worker_processes=processes) as aws:
        if args.day_before:
            t, c = time.perf_counter(), _tree_cpu()
            ingest_files(aws, {k: v for k, v in data.files.items() if k not in files}, lambda _m: None, data.arrivals)
            earlier = aws.distribute(before.isoformat(), "daily")
            s = earlier.output["summary"]["summary"] if earlier.output else {}
            print(f"the day before ({before}, untimed): {len(data.files) - len(files)} files ingested and curated, "
                  f"distributed {earlier.status}: {s.get('delivered')} delivered of {s.get('recipients')}, "
                  f"{time.perf_counter() - t:.1f} s wall, {_tree_cpu() - c:.1f} s CPU", flush=True)
        tree.reset()  # the day's peak: what the day before left held counts, its own peaks do not
        t, c, day_start = time.perf_counter(), time.process_time(), (_tree_cpu(), _machine_jiffies())
        ingest_files(aws, files, lambda _m: None, data.arrivals)
        ingest_seconds = time.perf_counter() - t
        print(f"ingest + curate of {args.day}'s {len(files)} files: {ingest_seconds:.1f} s wall, "
              f"{time.process_time() - c:.1f} s CPU; load average {_loadavg()}", flush=True)
        print(f"  held: {_memory_held(aws)}", flush=True)
        runs: List[float] = []
        for label in ("first run", "second run (same figures: re-rendered, nothing sent)"):
            profile = args.profile if args.profile and label == "first run" else None
            with ServerCallCounter() as counter, (ThreadProfiles(profile) if profile else contextlib.nullcontext()):
                t, c, own = time.perf_counter(), _tree_cpu(), time.process_time()
                result = aws.distribute(args.day, "daily")
                seconds, cpu, own = time.perf_counter() - t, _tree_cpu() - c, time.process_time() - own
            runs.append(seconds)
            if len(runs) == 1:  # the day ends with its first run
                day_cpu, busy = _tree_cpu() - day_start[0], _machine_busy(day_start[1])
            s = result.output["summary"]["summary"] if result.output else {}
            n = s.get("recipients", 0) or 1
            print(f"\ndistribution, {label}: {result.status} in {seconds:.1f} s, batch size "
                  f"{cfg.distribution.batch_size}; {s.get('delivered')} delivered, {s.get('corrected')} corrected, "
                  f"{s.get('already_sent')} already sent, "
                  f"{s.get('failed')} failed of {s.get('recipients')}: {n / seconds:.0f} reports/s; "
                  f"{cpu:.1f} s CPU ({own:.1f} s in this process, the embedded AWS; the rest in the Lambda worker), "
                  f"load average {_loadavg()}; "
                  f"peak RSS since the day began {tree.own_peak_mb:,.0f} MB in this process, "
                  f"{tree.peak_mb:,.0f} MB with its Lambda worker processes ({processes})")
            print(f"  held: {_memory_held(aws)}")
            timeline = state_seconds(aws.history(result.arn))
            print("  seconds per state (entered -> exited, wall): " + ", ".join(
                f"{name} {sec:.1f}" for name, sec in timeline if sec >= 0.05))
            total = sum(counter.calls.values())
            print(f"  AWS API calls: {total:,} = {total / n:.2f} per report")
            for op, count in counter.calls.most_common():
                print(f"    {op:<40} {count:>7,}  {count / n:6.2f} per report")
    print(f"\nthe day (ingest + curate {ingest_seconds:.1f} s, first run {runs[0]:.1f} s): "
          f"{ingest_seconds + runs[0]:.1f} s, {day_cpu:.1f} s CPU, the machine's {os.cpu_count()} cores "
          f"{busy:.0%} busy; the same day sending nothing (ingest + curate, then the second run: every "
          f"report rendered and stored, no email, push or ledger write): {ingest_seconds + runs[1]:.1f} s")


def email_bench(args: argparse.Namespace) -> None:
    """CPU per report email built (saleslens.delivery.email), the MIME message render-report hands SES."""
    from saleslens.delivery.email import build_report_email
    from saleslens.links.issue import LinkIssuer

    link = LinkIssuer(base_url="https://links.example.com", key=b"k" * 32, lifetime_days=30)(
        report_key="reports/daily/2026-11-20/P00007/E000002.html", employee_id="E000002", position_id="P00007")
    person = {"employee_name": "Ravi Kumar", "email": "ravi.kumar@field.example.com"}

    def build() -> bytes:
        return build_report_email(sender="reports@saleslens.example.com", recipient=person, link=link,
                                  subject="Your daily sales report as of 2026-11-20",
                                  windows=["Day: 2026-11-20", "Month to date: 2026-11-01 to 2026-11-20"])

    size = len(build())
    c = time.process_time()
    for _ in range(args.count):
        build()
    cpu = time.process_time() - c
    print(f"{args.count:,} report emails of {size:,} bytes: {cpu / args.count * 1000:.2f} ms of CPU each")


_CALLS_SERVER = """
import logging, resource, sys
logging.getLogger("werkzeug").setLevel(logging.ERROR)
if sys.argv[1] == "moto":
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
else:  # the runtime's server as the runtime runs it: moto's app with the runtime's hooks installed
    from saleslens.offline import hooks
    from saleslens.offline.moto_server import EmbeddedMotoServer
    hooks.install()
    server = EmbeddedMotoServer()
server.start()
print(server.get_host_and_port()[1], flush=True)
for _ in sys.stdin:  # a line asks for the CPU used so far
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(usage.ru_utime + usage.ru_stime, flush=True)
"""


def calls_bench(args: argparse.Namespace) -> None:
    import resource
    import subprocess
    import threading

    import boto3

    kind = "moto" if args.moto_threaded_server else "runtime"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    server = subprocess.Popen([sys.executable, "-c", _CALLS_SERVER, kind], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)

    def server_cpu() -> float:
        server.stdin.write("\n")
        server.stdin.flush()
        return float(server.stdout.readline())

    try:
        endpoint = f"http://127.0.0.1:{int(server.stdout.readline())}"
        opts = dict(endpoint_url=endpoint, region_name="ap-south-1", aws_access_key_id="testing",
                    aws_secret_access_key="testing")
        s3, ddb, ses = (boto3.client(name, **opts) for name in ("s3", "dynamodb", "ses"))
        s3.create_bucket(Bucket="reports", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        ddb.create_table(TableName="ledger", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        ses.verify_email_identity(EmailAddress="reports@example.com")
        page, raw = b"x" * 8_500, b"From: reports@example.com\r\nTo: a@example.com\r\nSubject: r\r\n\r\n" + b"y" * 3_000

        def deliver(thread: int) -> None:
            # clients of its own, as each render-report invocation makes them (lambdas._runtime.client)
            s3, ddb, ses = (boto3.client(name, **opts) for name in ("s3", "dynamodb", "ses"))
            for i in range(args.per_thread):
                key = f"{thread}-{i}"
                s3.put_object(Bucket="reports", Key=f"{key}.html", Body=page, ContentEncoding="gzip")
                ddb.put_item(TableName="ledger", Item={"id": {"S": key}, "sent": {"S": "2024-06-12"}})
                ses.send_raw_email(Source="reports@example.com", Destinations=["a@example.com"], RawMessage={"Data": raw})

        deliver(-1)  # lazy imports before the clock starts
        own, theirs, t = resource.getrusage(resource.RUSAGE_SELF), server_cpu(), time.perf_counter()
        threads = [threading.Thread(target=deliver, args=(n,)) for n in range(args.threads)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall, after, theirs = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF), server_cpu() - theirs
        mine = (after.ru_utime + after.ru_stime) - (own.ru_utime + own.ru_stime)
        n = args.threads * args.per_thread * 3
        server_name = "moto's ThreadedMotoServer" if kind == "moto" else "the runtime's server (kept connections)"
        print(f"{server_name}, {args.threads} client threads, {n:,} calls (PutObject, PutItem, SendRawEmail): "
              f"{wall / n * 1000:.2f} ms wall a call; CPU a call {mine / n * 1000:.2f} ms client + "
              f"{theirs / n * 1000:.2f} ms server = {(mine + theirs) / n * 1000:.2f} ms")
    finally:
        server.stdin.close()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    r = sub.add_parser("render", help="render-only reports/s on usv marts")
    r.add_argument("--start", type=date.fromisoformat, default=date(2024, 7, 1),
                   help="The day after the history; reports are as of the day before.")
    r.add_argument("--months", type=int, default=3)
    r.add_argument("--cadence", default="daily")
    r.add_argument("--limit", type=int, default=0, help="Render this many recipients, spread over the list (0: all).")
    r.add_argument("--cache", type=Path, help="marts_bench's lake folder (kept between runs).")
    r.add_argument("--role", default="", help="Only recipients of these roles, comma-separated (e.g. CMO,ZSM).")
    r.add_argument("--no-insights", action="store_true",
                   help="Leave the insight sections out (findings, churn, profitability, scorecard): the bench before they were in.")
    o = sub.add_parser("offline", help="a day ingested and distributed in the embedded AWS, calls counted")
    o.add_argument("--scale", default="small")
    o.add_argument("--day", type=date.fromisoformat, default=date(2024, 6, 12))
    o.add_argument("--batch-size", type=int, default=0, help="default: distribution.batch_size of the config")
    o.add_argument("--worker-processes", type=int, default=0,
                   help="render-report's warm containers, each a process holding its own copy of the run's marts "
                        "(0: the offline runtime's default, OfflineAws.WORKER_PROCESSES)")
    o.add_argument("--profile", type=Path, help="cProfile the first distribution run in every thread into this file")
    o.add_argument("--day-before", action="store_true",
                   help="land and distribute the day before first (untimed), so the day measured is an ordinary one")
    e = sub.add_parser("email", help="CPU per report email built")
    e.add_argument("--count", type=int, default=2000)
    c = sub.add_parser("calls", help="the embedded AWS's cost per call, client and server")
    c.add_argument("--threads", type=int, default=20, help="client threads (the delivery Map's MaxConcurrency: 20)")
    c.add_argument("--per-thread", type=int, default=60, help="deliveries per thread (3 calls each)")
    c.add_argument("--moto-threaded-server", action="store_true",
                   help="serve with moto's ThreadedMotoServer (a connection per call) instead of the runtime's server")
    args = parser.parse_args()
    {"render": render_bench, "offline": offline_bench, "email": email_bench, "calls": calls_bench}[args.what](args)


if __name__ == "__main__":
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the handlers' info lines would bury the figures
    main()

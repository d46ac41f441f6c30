"""Generator benchmark: USV-scale days and 13-month histories, wall time on this machine.

    .venv/bin/python bench/generate_bench.py            # one day (x3), histories (x1), 30 days (x1)
    .venv/bin/python bench/generate_bench.py --days 30 --repeat 1 --one-day-repeat 5 --history-scales tiny small

Measures, in one process (the generator is single-threaded numpy/pyarrow):
- generate("usv", days=1): the world, the opening load (every master, the month's plans) and
  the first day's files, as `saleslens generate --scale usv` makes them;
- generate_day on a prebuilt world for an ordinary mid-month day and for a month-end day
  (the biggest invoice file of the month);
- generate(scale, history_from=default_history_from(start), days=1) for the history scales: the
  opening masters, monthly backfill extracts of 13+ months, targets and plans, the HR snapshot,
  then the first daily day (`saleslens generate --history-months 14`, near enough);
- generate("usv", days=30).
Goals (issue 3): one day under 10 s, 30 days under 3 min on 2 cores.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from datetime import date
from functools import partial

from saleslens.generate import SCALES, build_world, default_history_from, generate, generate_day

START = date(2024, 4, 1)
HISTORY_START = date(2024, 5, 15)  # 13.5 months of history from 1 April 2023


def timed(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), out


def describe(files) -> str:
    rows = sum(v.count(b"\n") for v in files.values())
    size = sum(len(v) for v in files.values())
    return f"{len(files)} files, {rows:,} lines, {size / 1e6:,.0f} MB"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=1, help="repetitions of the multi-day run")
    parser.add_argument("--one-day-repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--history-scales", nargs="*", default=["tiny", "small"])
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}; scale usv; start {START}; seed {args.seed}")

    med, best, g = timed(lambda: generate("usv", start=START, days=1, seed=args.seed), args.one_day_repeat)
    print(f"generate(usv, days=1)                 median {med:6.2f} s  best {best:6.2f} s   {describe(g.files)}")
    print(f"  org: {g.figures}")

    world = build_world(SCALES["usv"], args.seed, START)
    for label, day in (("ordinary day 2024-04-17 (Wed)", date(2024, 4, 17)), ("month end 2024-04-30 (Tue)", date(2024, 4, 30))):
        med, best, out = timed(partial(generate_day, world, day), args.one_day_repeat)
        print(f"generate_day {label:28s} median {med:6.2f} s  best {best:6.2f} s   "
              f"{describe({t: d for t, d, _ in out})}")

    history_from = default_history_from(HISTORY_START)
    for scale in args.history_scales:
        med, best, g = timed(partial(generate, scale, start=HISTORY_START, days=1, seed=args.seed, history_from=history_from), 1)
        backfills = sum("_backfill/" in k for k in g.files)
        print(f"generate({scale}, history_from={history_from}, start={HISTORY_START}, days=1)  {med:6.2f} s   "
              f"{describe(g.files)} ({backfills} backfill extracts)")

    med, best, g = timed(lambda: generate("usv", start=START, days=args.days, seed=args.seed), args.repeat)
    print(f"generate(usv, days={args.days})                median {med:6.2f} s  best {best:6.2f} s   {describe(g.files)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB (the Generated result holds every file in memory)")


if __name__ == "__main__":
    main()

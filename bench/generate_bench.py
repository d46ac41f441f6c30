"""Generator benchmark: USV-scale days, wall time on this machine.

    .venv/bin/python bench/generate_bench.py            # one day (x3) and 30 days (x1)
    .venv/bin/python bench/generate_bench.py --days 30 --repeat 1 --one-day-repeat 5

Measures, in one process (the generator is single-threaded numpy/pyarrow):
- generate("usv", days=1): the world, the opening load (every master, the month's plans) and
  the first day's files, as `saleslens generate --scale usv` makes them;
- generate_day on a prebuilt world for an ordinary mid-month day and for a month-end day
  (the biggest invoice file of the month);
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

from saleslens.generate import SCALES, build_world, generate, generate_day

START = date(2024, 4, 1)


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
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}; scale usv; start {START}; seed {args.seed}")

    med, best, g = timed(lambda: generate("usv", start=START, days=1, seed=args.seed), args.one_day_repeat)
    print(f"generate(usv, days=1)                 median {med:6.2f} s  best {best:6.2f} s   {describe(g.files)}")
    print(f"  org: {g.figures}")

    world = build_world(SCALES["usv"], args.seed, START)
    for label, day in (("ordinary day 2024-04-17 (Wed)", date(2024, 4, 17)), ("month end 2024-04-30 (Tue)", date(2024, 4, 30))):
        med, best, out = timed(lambda: generate_day(world, day), args.one_day_repeat)
        print(f"generate_day {label:28s} median {med:6.2f} s  best {best:6.2f} s   "
              f"{describe({t: d for t, d, _ in out})}")

    med, best, g = timed(lambda: generate("usv", start=START, days=args.days, seed=args.seed), args.repeat)
    print(f"generate(usv, days={args.days})                median {med:6.2f} s  best {best:6.2f} s   {describe(g.files)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB (the Generated result holds every file in memory)")


if __name__ == "__main__":
    main()

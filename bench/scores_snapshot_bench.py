"""The SnapshotScores state at usv scale: how big the scores table is, what one full Scan costs,
and how long the in-process part (records -> one row per opportunity -> Parquet) takes.

The table holds every score written within ``scoring.score_retention_days``. Modelled from the usv
scale's generating process (``generate.scales``): ``opportunities_per_sr_month`` x SR positions
opportunities a month, each scored on each of its events (``EVENTS_PER_OPPORTUNITY``, the
generator's mean). The item size is DynamoDB's rule (attribute names + values, UTF-8) of real
``ScoreRecord.to_item`` items with factor phrases of the model's length. A Scan returns 1 MB a page
and consumes 0.5 read units per 4 KB read (eventually consistent); a Query per opportunity would
cost one request per opportunity (at least one read unit each) after reading the ids from the lake.

    PYTHONPATH=src:. .venv/bin/python bench/scores_snapshot_bench.py [--sr-positions 4400] [--months 13]
"""
from __future__ import annotations

import argparse
import math
import resource
import time
from datetime import datetime, timedelta, timezone

from saleslens.curate.store import parquet_bytes
from saleslens.scoring import store
from saleslens.scoring.snapshot import snapshot_rows

EVENTS_PER_OPPORTUNITY = 6  # CREATED, stage changes, a proposal, a meeting or two, the close
PAGE_BYTES = 1024 * 1024
READ_UNIT_BYTES = 4096
USD_PER_MILLION_READ_UNITS = 0.25  # on-demand, eventually consistent reads count half a unit


def item_bytes(item: dict) -> int:
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        (kind, v), = value.items()
        if kind == "L":
            size += 3 + sum(1 + len(x["S"].encode()) for x in v)
        else:
            size += len(str(v).encode())
    return size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sr-positions", type=int, default=4400)
    ap.add_argument("--opportunities-per-sr-month", type=float, default=1.0)
    ap.add_argument("--months", type=int, default=13, help="scoring.score_retention_days (400) in months")
    args = ap.parse_args()
    opportunities = int(args.sr_positions * args.opportunities_per_sr_month * args.months)
    start = datetime(2025, 11, 1, tzinfo=timezone.utc)
    def items():  # what the Scan's pages yield, one at a time (the function never holds them all)
        for n in range(opportunities):
            for e in range(EVENTS_PER_OPPORTUNITY):
                when = start + timedelta(days=(n % 390) + e * 9, minutes=n % 997)
                yield store.ScoreRecord(
                    f"O{n:08d}", store.stamp(when), e + 1, "STAGE_CHANGE", "proposal" if e > 2 else "creation",
                    "20261101T000000Z-1a2b3c", "lightgbm", "model", 0.1 + (n % 80) / 100, 1 + n % 5,
                    ("owner's prior win rate 38%", "account type TEACHING_HOSPITAL", "14 days to expected close"),
                    ("competitor Curatis", "amount 12,50,000", "3 meetings before the proposal")).to_item(400)

    size = item_bytes(next(items()))
    scores = opportunities * EVENTS_PER_OPPORTUNITY
    total = size * scores
    pages = math.ceil(total / PAGE_BYTES)
    units = total / READ_UNIT_BYTES * 0.5
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes
    t0, c0 = time.perf_counter(), time.process_time()
    # As saleslens.scoring.snapshot.snapshot: every item parsed into a record as the pages come in,
    # then one row per opportunity, then Parquet.
    table = snapshot_rows([store.ScoreRecord.from_item(i) for i in items()], datetime.now(timezone.utc))
    body = parquet_bytes(table)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"opportunities {opportunities:,}, scores {scores:,}, item {size} B, table {total / 1e6:,.1f} MB")
    print(f"one Scan: {pages:,} pages of 1 MB, {units:,.0f} read units, USD {units / 1e6 * USD_PER_MILLION_READ_UNITS:.4f}")
    print(f"a Query per opportunity instead: {opportunities:,} requests (>= {opportunities:,} read units)")
    print(f"items -> records -> {table.num_rows:,} rows -> Parquet {len(body) / 1e6:.1f} MB: {cpu:.1f} s CPU "
          f"({seconds:.1f} s wall, the items made on the way included); peak RSS of the process {peak / 1e6:,.0f} MB "
          f"({base / 1e6:,.0f} MB before the snapshot: the interpreter and its imports)")


if __name__ == "__main__":
    main()

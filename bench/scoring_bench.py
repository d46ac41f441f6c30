"""Opportunity-scoring benchmark: training time, holdout quality, warm scoring latency, package size.

    PYTHONPATH=src:. .venv/bin/python bench/scoring_bench.py                          # synthetic, usv-like: 70,000 opportunities
    PYTHONPATH=src:. .venv/bin/python bench/scoring_bench.py --opportunities 8000 --accounts 800 --owners 60
    PYTHONPATH=src:. .venv/bin/python bench/scoring_bench.py --source generator --scale small --months 27

Data, ``--source synthetic`` (default): the process of tests/scoring_synthetic.py (known signal:
account type, source, owner skill, competitor, amount, and a latent engagement that shows in
meetings before the proposal). The usv-like default sizes it as one institutional owner per usv
territory (530), ~10 institutions per territory (5,000 accounts) and ~5 new opportunities per owner
per month over 27 months (~70,000).

Data, ``--source generator``: the SalesLens generator's crm_accounts, crm_opportunities and
crm_opportunity_events (process: generate/institutions.py), ``generate(scale,
history_from=start - months, start, days=1, dirt=False)``, every file of the three datasets
(backfill extracts and the day's files) read as CSV and turned into the scoring frames by
``saleslens.scoring.sources.scoring_frames`` (latest version per opportunity, events once each).
The generation time is printed apart from the conversion and the training.

1. Both models: feature building and training time (split + LightGBM + calibration + holdout
   evaluation), AUC and Brier on the holdout against the fallback baseline.
2. Warm scoring latency per opportunity: ``score_row`` (encoding, LightGBM with per-row
   contributions, calibration, band, factors in words) on holdout rows after the model is cached.
3. The same scoring in a child process with pandas blocked, on the artefact's bytes: it runs
   without pandas, and gives the same scores; and once more under ``python -S`` with only the
   trimmed package on the path (numpy, lightgbm, narwhals, scipy's sparse and _lib).
4. Installed sizes (du, __pycache__ excluded) of what the scoring Lambda packages, against
   Lambda's 250 MB unzipped limit (function + layers).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_LIMIT_MB = 250.0

CHILD = r"""
import json, sys, time
sys.modules["pandas"] = None  # the scoring path must not need pandas
import numpy as np
from saleslens.scoring.artefact import from_bytes
from saleslens.scoring.score import load, score_row
artefact = from_bytes(open(sys.argv[1], "rb").read())
rows = json.load(open(sys.argv[2]))
started = time.perf_counter()
model = load(artefact)
cold = time.perf_counter() - started
times, out = [], []
for row in rows:
    t = time.perf_counter(); s = score_row(model, row); times.append(time.perf_counter() - t)
    out.append([s.probability, s.score, [f.text for f in s.positive], [f.text for f in s.negative]])
print(json.dumps({"cold_load_s": cold, "p50_ms": float(np.percentile(times, 50)) * 1e3,
                  "p95_ms": float(np.percentile(times, 95)) * 1e3, "scores": out}))
"""


def trimmed_site(into: Path) -> None:
    """A site directory of symlinks holding only what the trimmed scoring package would: numpy, lightgbm,
    narwhals, and of scipy only its top-level files, scipy/sparse and scipy/_lib."""
    import numpy
    site = Path(numpy.__file__).resolve().parents[1]
    for d in ("numpy", "numpy.libs", "lightgbm", "narwhals", "scipy.libs"):
        (into / d).symlink_to(site / d)
    (into / "scipy").mkdir()
    for p in (site / "scipy").iterdir():
        if p.is_file() or p.name in ("sparse", "_lib"):
            (into / "scipy" / p.name).symlink_to(p)


def du_mb(paths: list) -> float:
    existing = [str(p) for p in paths if p.exists()]
    if not existing:
        return 0.0
    out = subprocess.run(["du", "-sk", "--exclude=__pycache__", "-c", *existing], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1].split()[0]) / 1024


def sizes() -> dict:
    import numpy
    site = Path(numpy.__file__).resolve().parents[1]
    parts = {
        "numpy (+ numpy.libs)": ["numpy", "numpy.libs"],
        "scipy (+ scipy.libs)": ["scipy", "scipy.libs"],
        "lightgbm": ["lightgbm"],
        "narwhals": ["narwhals"],
        "pandas": ["pandas"],
        "pyarrow": ["pyarrow"],
    }
    out = {name: du_mb([site / d for d in dirs]) for name, dirs in parts.items()}
    out["saleslens.scoring"] = du_mb([ROOT / "src/saleslens/scoring"])
    # What lightgbm actually loads of scipy: scipy.sparse and scipy._lib (plus the package's top-level files).
    top = [p for p in (site / "scipy").iterdir() if p.is_file()]
    out["scipy trimmed to sparse + _lib (+ scipy.libs)"] = du_mb([site / "scipy/sparse", site / "scipy/_lib", site / "scipy.libs", *top])
    out["libgomp.so.1 (lib_lightgbm.so links it)"] = du_mb([Path("/lib/x86_64-linux-gnu/libgomp.so.1.0.0")])
    return out


def synthetic(args: argparse.Namespace) -> tuple:
    from tests.scoring_synthetic import as_of, summary, synthetic_crm
    t = time.perf_counter()
    crm = synthetic_crm(opportunities=args.opportunities, accounts=args.accounts, owners=args.owners, months=args.months)
    s = summary(crm)
    print(f"synthetic CRM: {int(s['opportunities']):,} opportunities, {int(s['events']):,} events, "
          f"closed win rate {s['win_rate']:.1%}, {args.months} months ({time.perf_counter() - t:.1f} s to make)")
    return crm.accounts, crm.opportunities, crm.events, as_of(crm).date()


def generated(args: argparse.Namespace) -> tuple:
    """The generator's three CRM datasets over ``args.months`` months of history, as scoring frames."""
    import io
    from datetime import date, timedelta

    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    from saleslens.contracts import dataset_for_key
    from saleslens.generate import build_world, day_tables, generate
    from saleslens.generate.scales import get_scale
    from saleslens.scoring.sources import scoring_frames

    start = date.fromisoformat(args.start)
    history_from = (pd.Timestamp(start) - pd.DateOffset(months=args.months)).date()
    wanted: dict = {"crm_accounts": [], "crm_opportunities": [], "crm_opportunity_events": []}
    types = {"amount": pa.float64(), "version": pa.int64(), "bed_count": pa.int64()}
    t = time.perf_counter()
    if args.crm_only:
        # The same rows generate() writes for these tables (day_tables per day, the opening load on the
        # history's first day), without the other sources and without encoding CSV.
        world = build_world(get_scale(args.scale), 7, start, history_from=history_from, until=start)
        day, n = history_from, 0
        while day <= start:
            for table, text in day_tables(world, day, opening=(day == history_from), only=tuple(wanted)):
                wanted[table].append(pa.table({c: pc.if_else(pc.equal(text[c], ""), None, text[c]) for c in text.column_names}))
            day += timedelta(days=1)
            n += 1
        print(f"day_tables({args.scale!r}, only the 3 CRM tables) from {history_from} to {start}: {n} days, "
              f"{time.perf_counter() - t:.1f} s (world included)")
    else:
        g = generate(args.scale, start=start, days=1, history_from=history_from, dirt=False)
        print(f"generate({args.scale!r}, history_from={history_from}, start={start}, days=1, dirt=False): "
              f"{time.perf_counter() - t:.1f} s, {len(g.files):,} files, {sum(len(b) for b in g.files.values()) / 1e6:,.0f} MB")
        for key, data in g.files.items():
            table = dataset_for_key(key)[0].table
            base = table[: -len("_backfill")] if table.endswith("_backfill") else table
            if base in wanted:
                wanted[base].append(pcsv.read_csv(io.BytesIO(data), convert_options=pcsv.ConvertOptions(
                    strings_can_be_null=True, column_types=types)))
        del g
    t = time.perf_counter()
    raw = {k: pa.concat_tables(v, promote_options="permissive").to_pandas() for k, v in wanted.items()}
    frames = scoring_frames(raw["crm_accounts"], raw["crm_opportunities"], raw["crm_opportunity_events"])
    o = frames.opportunities
    closed = o["outcome"] != "OPEN"
    print(f"scoring frames: {len(frames.accounts):,} accounts, {len(o):,} opportunities (from "
          f"{len(raw['crm_opportunities']):,} versions), {len(frames.events):,} events, closed win rate "
          f"{(o.loc[closed, 'outcome'] == 'WON').mean():.1%} ({int(closed.sum()):,} closed); "
          f"read and converted in {time.perf_counter() - t:.1f} s")
    last_day = pd.Timestamp(frames.events["event_at"].max()).normalize().date()
    return frames.accounts, frames.opportunities, frames.events, last_day


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--opportunities", type=int, default=70000)
    ap.add_argument("--accounts", type=int, default=5000)
    ap.add_argument("--owners", type=int, default=530)
    ap.add_argument("--months", type=int, default=27, help="months of history (both sources)")
    ap.add_argument("--source", choices=("synthetic", "generator"), default="synthetic")
    ap.add_argument("--scale", default="small", help="generator scale (--source generator)")
    ap.add_argument("--start", default="2026-04-01", help="generator run start; the history ends the day before")
    ap.add_argument("--crm-only", action="store_true",
                    help="generator: make only the three CRM tables, day by day (day_tables), not every source's files")
    ap.add_argument("--score-rows", type=int, default=2000)
    args = ap.parse_args()

    from saleslens.scoring.evaluate import evaluate, format_report
    from saleslens.scoring.features import MODELS, build_features
    from saleslens.scoring.score import load, score_row
    from saleslens.scoring.train import TrainConfig, default_plan, train_model

    if args.source == "synthetic":
        accounts, opportunities, events, last_day = synthetic(args)
    else:
        accounts, opportunities, events, last_day = generated(args)
    plan = default_plan(last_day)
    print(f"split: train < {plan.train_end}, calibration < {plan.calibration_end}, holdout to {plan.as_of}\n")

    results = {}
    for model in MODELS:
        t = time.perf_counter()
        features = build_features(model, accounts, opportunities, events)
        feature_s = time.perf_counter() - t
        r = train_model(model, features, opportunities, plan, TrainConfig())
        results[model] = r
        rows = r.model.artefact.metadata["rows"]
        print(f"== {model}: features {feature_s:.1f} s ({len(features):,} rows); training {r.seconds:.1f} s "
              f"(train {rows['train']:,}, calibration {rows['calibration']:,}, holdout {rows['holdout']:,} rows)")
        assert r.report is not None
        print(format_report(r.report))

    print("== summary (holdout)")
    print(f"{'model':<10}{'AUC':>8}{'Brier':>9}{'baseline AUC':>14}{'baseline Brier':>16}{'train s':>9}")
    for model, r in results.items():
        m, b = r.report.metrics, r.report.baseline
        print(f"{model:<10}{m.auc:>8.3f}{m.brier:>9.4f}{b.auc:>14.3f}{b.brier:>16.4f}{r.seconds:>9.1f}")
    # The two holdouts differ (the proposal model's holds only the deals that reached a proposal, with
    # a higher win rate), so the two rows above do not compare the models. On the same deals they do:
    # the creation model scored on its holdout rows of the deals in the proposal model's holdout.
    common = results["proposal"].holdout["opportunity_id"]
    creation_rows = results["creation"].holdout.loc[results["creation"].holdout["opportunity_id"].isin(common)]
    same = {"creation": evaluate(results["creation"].model, creation_rows).metrics,
            "proposal": evaluate(results["proposal"].model,
                                 results["proposal"].holdout.loc[common.isin(creation_rows["opportunity_id"])]).metrics}
    print(f"same deals ({len(creation_rows):,} in both holdouts, {creation_rows['label'].mean():.1%} won): "
          + ", ".join(f"{k} AUC {v.auc:.3f} Brier {v.brier:.4f}" for k, v in same.items()))

    print("\n== warm scoring latency per opportunity (score_row: encode, predict with contributions, calibrate, band, words)")
    for model, r in results.items():
        loaded = load(r.model.artefact)
        rows = [dict(x) for x in r.holdout.drop(columns=["label"]).head(args.score_rows).to_dict("records")]
        score_row(loaded, rows[0])
        times = []
        for row in rows:
            t = time.perf_counter()
            score_row(loaded, row)
            times.append(time.perf_counter() - t)
        print(f"{model:<10} p50 {np.percentile(times, 50) * 1e3:.2f} ms  p95 {np.percentile(times, 95) * 1e3:.2f} ms  "
              f"({len(times)} rows)")
        with tempfile.TemporaryDirectory() as tmp:
            art, data = Path(tmp) / "artefact.json", Path(tmp) / "rows.json"
            art.write_bytes(r.model.artefact.to_bytes())
            plain = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()} for row in rows]
            data.write_text(json.dumps(plain))
            child = subprocess.run([sys.executable, "-c", CHILD, str(art), str(data)], capture_output=True, text=True, check=True)
            got = json.loads(child.stdout)
            # Again with no site-packages at all (python -S): only the trimmed package and src/ on the path.
            trimmed = Path(tmp) / "site"
            trimmed.mkdir()
            trimmed_site(trimmed)
            env = {"PYTHONPATH": f"{trimmed}:{ROOT / 'src'}", "PATH": "/usr/bin:/bin"}
            bare = subprocess.run([sys.executable, "-S", "-c", CHILD, str(art), str(data)], capture_output=True, text=True,
                                  env=env, check=True)
            trimmed_same = json.loads(bare.stdout)["scores"] == got["scores"]
        same = all(abs(g[0] - score_row(loaded, row).probability) < 1e-12 for g, row in zip(got["scores"], rows))
        print(f"{'':<10} without pandas: cold load {got['cold_load_s'] * 1e3:.0f} ms, p50 {got['p50_ms']:.2f} ms, "
              f"p95 {got['p95_ms']:.2f} ms, same scores: {same}; artefact {len(r.model.artefact.to_bytes()) / 1024:.0f} KiB")
        print(f"{'':<10} with only numpy, lightgbm, narwhals, scipy trimmed to sparse + _lib (python -S): "
              f"same scores: {trimmed_same}")
    example = score_row(load(results["proposal"].model.artefact), rows[0])
    print(f"\nexample (proposal): p={example.probability:.3f} score {example.score}; + "
          f"{'; '.join(f.text for f in example.positive)}; - {'; '.join(f.text for f in example.negative)}")

    print("\n== installed size (du -sk, __pycache__ excluded), MB")
    sz = sizes()
    for name, mb in sz.items():
        print(f"{name:<48}{mb:>8.1f}")
    full = sz["numpy (+ numpy.libs)"] + sz["scipy (+ scipy.libs)"] + sz["lightgbm"] + sz["narwhals"] + sz["saleslens.scoring"]
    full += sz["libgomp.so.1 (lib_lightgbm.so links it)"]
    trimmed = full - sz["scipy (+ scipy.libs)"] + sz["scipy trimmed to sparse + _lib (+ scipy.libs)"]
    with_pandas = full + sz["pandas"] + sz["pyarrow"]
    print(f"{'scoring package: numpy+scipy+lightgbm+narwhals+libgomp+scoring':<48}{full:>8.1f}  "
          f"({full / LAMBDA_LIMIT_MB:.0%} of 250 MB)")
    print(f"{'  same with scipy trimmed to sparse + _lib':<48}{trimmed:>8.1f}  ({trimmed / LAMBDA_LIMIT_MB:.0%})")
    print(f"{'  same plus pandas + pyarrow':<48}{with_pandas:>8.1f}  ({with_pandas / LAMBDA_LIMIT_MB:.0%})")


if __name__ == "__main__":
    main()

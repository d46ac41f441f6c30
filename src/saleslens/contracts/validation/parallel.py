"""How much work goes to threads: worker counts by input size, and a runner for keyed tasks."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Sequence, Tuple

_CHUNK_BYTES = 4 << 20  # below this a file is read in one piece
_PARALLEL_ROWS = 100_000  # below this, threads cost more than they save


def _workers(size: int) -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8, size // _CHUNK_BYTES))


def _run(tasks: Sequence[Tuple[Callable[[int], Any], int, int]], workers: int) -> Dict[Tuple[Any, int], Any]:
    if workers == 1:
        return {(fn, i): fn(i) for fn, i, _ in tasks}
    with ThreadPoolExecutor(workers) as pool:
        futures = {(fn, i): pool.submit(fn, i) for fn, i, _ in tasks}
        return {k: f.result() for k, f in futures.items()}

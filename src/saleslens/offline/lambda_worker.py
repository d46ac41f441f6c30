"""A Lambda function's warm containers as processes of their own, offline.

In AWS a Map child's Lambda runs in a container apart from Step Functions; offline, by default, a
handler runs in the embedded AWS's process, whose one interpreter lock the handler's rendering
then shares with every request the embedded AWS serves. A function named in
``OfflineAws(worker_functions=...)`` runs instead in processes of its own for the runtime's life
(its warm containers: ``OfflineAws(worker_processes=...)``, two by default), each invocation
in a thread of one of them as invocations share the in-process runtime's module: the same
handler, event, context attributes and environment, calling the embedded AWS over HTTP like any
client. Only where the handler's Python runs changes; what it sees and what Step Functions sees
(the payload, ``x-amz-function-error``) do not. As with Lambda's containers, each process keeps its
own module state (a handler's per-container caches are read once per process).
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from typing import Any, Dict, List, Optional, Tuple

Outcome = Tuple[bytes, Optional[str]]  # the response payload, and the function error ("Unhandled") if any


class WorkerGone(RuntimeError):
    """The worker process ended while an invocation was running in it (the container died)."""


class LambdaWorker:
    """A function's warm containers: ``processes`` processes, each running invocations in threads.
    An invocation goes to the process with the fewest invocations running (the first of those)."""

    def __init__(self, name: str, processes: int = 1) -> None:
        if processes < 1:
            raise ValueError(f"a Lambda worker needs at least one process, not {processes}")
        self.name = name
        self._containers = [_Container(name) for _ in range(processes)]
        self._running = [0] * processes
        self._given = [0] * processes
        self._lock = threading.Lock()

    @property
    def pids(self) -> List[int]:
        return [c.pid for c in self._containers]

    @property
    def running(self) -> List[int]:
        """How many invocations each process is running now."""
        with self._lock:
            return list(self._running)

    @property
    def invocations(self) -> List[int]:
        """How many invocations each process was given so far."""
        with self._lock:
            return list(self._given)

    def invoke(self, module: str, attr: str, body: Any, context: Dict[str, Any]) -> Outcome:
        with self._lock:
            i = self._running.index(min(self._running))
            self._running[i] += 1
            self._given[i] += 1
        try:
            return self._containers[i].invoke(module, attr, body, context)
        finally:
            with self._lock:
                self._running[i] -= 1

    def stop(self) -> None:
        for container in self._containers:
            container.stop()


class _Container:
    """One process running one function's invocations, each in a thread."""

    def __init__(self, name: str) -> None:
        # A fresh interpreter (never a fork of the embedded AWS's threads), started as a module so
        # that nothing of the starting program's __main__ runs again in it; this process's
        # sys.path, so it imports the same code.
        self.name = name
        self._conn, child = multiprocessing.Pipe()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._process = subprocess.Popen([sys.executable, "-m", __name__, str(child.fileno())],
                                         pass_fds=[child.fileno()], env=env)
        child.close()
        self._send_lock = threading.Lock()
        self._waiting: Dict[int, "Future[Outcome]"] = {}
        self._ids = itertools.count()
        self._reader = threading.Thread(target=self._read, name=f"lambda-{name}-results", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._process.pid

    def invoke(self, module: str, attr: str, body: Any, context: Dict[str, Any]) -> Outcome:
        future: "Future[Outcome]" = Future()
        call = next(self._ids)
        self._waiting[call] = future
        with self._send_lock:
            self._conn.send((call, module, attr, body, context, dict(os.environ)))
        return future.result()

    def _read(self) -> None:
        while True:
            try:
                call, outcome = self._conn.recv()
            except (EOFError, OSError):
                for future in list(self._waiting.values()):
                    future.set_exception(WorkerGone(f"the {self.name} worker process ended"))
                self._waiting.clear()
                return
            self._waiting.pop(call).set_result(outcome)

    def stop(self) -> None:
        try:
            with self._send_lock:
                self._conn.send(None)
        except (OSError, ValueError):
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.terminate()
            self._process.wait(timeout=5)
        self._conn.close()


def serve(conn: Any) -> None:
    """The worker process: run each invocation received in a thread, send back its outcome."""
    send_lock = threading.Lock()
    env_lock = threading.Lock()
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the runtime's process is gone: so is this container
            return
        if message is None:
            return
        threading.Thread(target=_invoke, args=(conn, send_lock, env_lock, message), daemon=True).start()


def _invoke(conn: Any, send_lock: threading.Lock, env_lock: threading.Lock, message: Tuple[Any, ...]) -> None:
    import json
    import traceback

    from saleslens.offline import hooks

    call, module, attr, body, context, env = message
    headers: Dict[str, str] = {}
    try:
        with env_lock:  # the runtime's environment as it is now; the process's own variables stay
            for key, value in env.items():
                if os.environ.get(key) != value:
                    os.environ[key] = value
        payload = hooks.call_handler(module, attr, body, hooks.LambdaContext(**context), headers)
    except Exception as exc:  # the runtime failed, not the handler (call_handler catches its errors): say so
        headers["x-amz-function-error"] = "Unhandled"
        payload = json.dumps({"errorType": type(exc).__name__, "errorMessage": f"offline Lambda worker: {exc}",
                              "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__)[-5:]}).encode()
    with send_lock:
        conn.send((call, (payload, headers.get("x-amz-function-error"))))


if __name__ == "__main__":
    from multiprocessing.connection import Connection

    from saleslens.offline.malloc import limit_arenas

    limit_arenas()  # before the invocations' threads
    serve(Connection(int(sys.argv[1])))

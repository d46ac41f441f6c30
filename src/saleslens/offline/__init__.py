"""The embedded AWS: moto in-process, with the deployed artefacts plugged in at its hook points.

Nothing here holds pipeline logic. The hooks route moto's Lambda invocations to the handlers in
``lambdas/``, Glue job runs to the scripts in ``glue_jobs/`` and Athena queries to DuckDB, so the
state machines in ``step_functions/`` run our real code (each hook point: ``offline.hooks``).
"""
from saleslens.offline.runtime import OfflineAws

__all__ = ["OfflineAws"]

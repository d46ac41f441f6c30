"""The SalesLens CDK app: ``python -m infra.app`` (what cdk.json runs).

Stacks, in dependency order: lake (key, buckets, catalog, workgroup) -> ops (alert topic and its
key) -> ingestion -> curation (it writes ingestion's run ledger), distribution and scoring (CRM
events -> score-opportunity) -> observability
(alarms, Glue job notices, dashboard).
Everything is named from ``load_config()`` and sized from the ``saleslens.components`` registry.
cdk-nag AwsSolutions runs on every synth.

Context: ``-c destroyData=true`` makes data resources (buckets, keys, ledgers, log groups)
DESTROY instead of RETAIN, for throwaway environments.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Mapping, Optional

from aws_cdk import App, Environment, RemovalPolicy

from infra import PROJECT_ROOT
from infra.nag import add_nag
from infra.stacks.curation import CurationStack
from infra.stacks.distribution import DistributionStack
from infra.stacks.forecast import ForecastStack
from infra.stacks.ingestion import IngestionStack
from infra.stacks.lake import LakeStack
from infra.stacks.observability import ObservabilityStack
from infra.stacks.ops import OpsStack
from infra.stacks.scoring import ScoringStack
from saleslens.config import Config, load_config

DESTROY_DATA = "destroyData"


def cdk_json_context() -> Dict[str, Any]:
    """The feature flags of cdk.json, so tests and ``python -m infra.app`` synthesise what the CLI does."""
    return json.loads((PROJECT_ROOT / "cdk.json").read_text(encoding="utf-8")).get("context", {})


def removal_policy(app: App) -> RemovalPolicy:
    """RETAIN, unless the app runs with ``-c destroyData=true`` (a string from the CLI, a bool in tests)."""
    value = app.node.try_get_context(DESTROY_DATA)
    return RemovalPolicy.DESTROY if value is True or str(value).lower() == "true" else RemovalPolicy.RETAIN


def build_app(context: Optional[Mapping[str, Any]] = None, outdir: Optional[str] = None,
              cfg: Optional[Config] = None) -> App:
    app = App(context={**cdk_json_context(), **(context or {})}, outdir=outdir)
    cfg = cfg or load_config()
    removal = removal_policy(app)
    env = Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=cfg.region)

    lake = LakeStack(app, cfg.name("lake"), cfg=cfg, removal_policy=removal, env=env,
                     description="SalesLens lake: KMS key, zone buckets, Glue catalog, Athena workgroup")
    ops = OpsStack(app, cfg.name("ops"), cfg=cfg, removal_policy=removal, env=env,
                   description="SalesLens ops alert topic and its key")
    ingestion = IngestionStack(app, cfg.name("ingestion"), cfg=cfg, key=lake.key, ops=ops,
                               removal_policy=removal, env=env,
                               description="SalesLens ingestion: landing events, run ledger, validate/conform/gate; "
                                           "weekly scoring training (schedule, machine, Glue job)")
    curation = CurationStack(app, cfg.name("curation"), cfg=cfg, key=lake.key, ops=ops,
                             removal_policy=removal, env=env,
                             description="SalesLens curation: PartitionPublished events, curate function and machine")
    distribution = DistributionStack(app, cfg.name("distribution"), cfg=cfg, key=lake.key, ops=ops,
                                     removal_policy=removal, env=env,
                                     description="SalesLens distribution: role marts, reports, email, ledger")
    scoring = ScoringStack(app, cfg.name("scoring"), cfg=cfg, key=lake.key, removal_policy=removal, env=env,
                           description="SalesLens scoring: CRM events bus and queue, score-opportunity, scores table")
    forecast = ForecastStack(app, cfg.name("forecast"), cfg=cfg, key=lake.key, ops=ops, removal_policy=removal,
                             env=env,
                             description="SalesLens forecast: monthly schedule, forecast machine and Glue job")
    observability = ObservabilityStack(app, cfg.name("observability"), cfg=cfg, ops_topic=ops.topic,
                                       dead_letter_queues={**ingestion.dead_letter_queues,
                                                           **curation.dead_letter_queues,
                                                           **distribution.dead_letter_queues,
                                                           **scoring.dead_letter_queues,
                                                           **forecast.dead_letter_queues}, env=env,
                                       description="SalesLens observability: alarms, Glue job notices, dashboard")
    # Buckets, tables and the workgroup are referenced by their config names, not exports.
    for stack in (ingestion, curation, distribution, scoring, forecast):
        stack.add_stack_dependency(lake)
        stack.add_stack_dependency(ops)
    forecast.add_stack_dependency(ingestion)  # the run ledger it writes (by name)
    # The run ledger curation writes (by name) is ingestion's; so are the events it curates.
    curation.add_stack_dependency(ingestion)
    # Alarms name what they watch; deploying them after it keeps the dashboard from showing ghosts.
    for stack in (ops, ingestion, curation, distribution, scoring, forecast):
        observability.add_stack_dependency(stack)
    add_nag(app)
    return app


def main() -> None:
    build_app().synth()


if __name__ == "__main__":
    main()

"""One synthesis of the CDK app per test session (per xdist worker), shared by every infra test."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import pytest  # noqa: E402
from aws_cdk import App, Stack, Validations  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

import infra.nag  # noqa: E402
from infra.app import DESTROY_DATA, build_app, cdk_json_context, removal_policy  # noqa: E402
from infra.stacks.lake import LakeStack  # noqa: E402
from saleslens.config import Config, load_config  # noqa: E402

STACKS = ("lake", "ops", "ingestion", "curation", "distribution", "scoring", "forecast", "observability")


@dataclass
class Synth:
    app: App
    outdir: Path
    cfg: Config
    # What cdk-nag finds with no acknowledgement applied: (finding id, construct path).
    unacknowledged_findings: List[Tuple[str, str]]
    # Every acknowledgement the app makes: (construct path, finding id).
    acknowledgements: List[Tuple[str, str]]
    # Names of the validation plugins the app registered (cdk-nag's pack is "AwsSolutions").
    plugins: List[str]
    _templates: Dict[str, Template] = field(default_factory=dict)

    def stack(self, key: str) -> Stack:
        return self.app.node.find_child(self.cfg.name(key))

    def json(self, key: str) -> Dict[str, Any]:
        return json.loads((self.outdir / f"{self.cfg.name(key)}.template.json").read_text())

    def template(self, key: str) -> Template:
        if key not in self._templates:
            self._templates[key] = Template.from_json(self.json(key))
        return self._templates[key]

    def resources(self, cfn_type: str, stacks: Tuple[str, ...] = STACKS) -> Iterator[Tuple[str, str, Dict[str, Any]]]:
        """(stack key, logical id, resource) of every resource of ``cfn_type``."""
        for key in stacks:
            for logical_id, resource in self.json(key)["Resources"].items():
                if resource["Type"] == cfn_type:
                    yield key, logical_id, resource


@pytest.fixture(scope="session")
def cfg() -> Config:
    return load_config()


class _DeferredAcknowledgements:
    """Stands in for aws_cdk.Validations in infra.nag while the app is built: plugins register as
    usual, acknowledgements are recorded, so cdk-nag can first be run with none of them applied."""

    recorded: List[Tuple[Any, Any]] = []
    plugins: List[Any] = []

    def __init__(self, scope: Any) -> None:
        self._scope = scope

    @classmethod
    def of(cls, scope: Any) -> "_DeferredAcknowledgements":
        return cls(scope)

    def acknowledge(self, *rules: Any) -> None:
        self.recorded.extend((self._scope, rule) for rule in rules)

    def add_plugins(self, *plugins: Any) -> None:
        self.plugins.extend(plugins)
        Validations.of(self._scope).add_plugins(*plugins)


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory, cfg: Config) -> Synth:
    """The app, built once; cdk-nag run bare on its tree; then the acknowledgements applied and
    the app synthesised, as ``cdk synth`` does (nag runs again as a validation plugin)."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    _DeferredAcknowledgements.recorded = []
    _DeferredAcknowledgements.plugins = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(infra.nag, "Validations", _DeferredAcknowledgements)
        app = build_app(outdir=str(outdir), cfg=cfg)
    report = AwsSolutionsChecks().validate_scope(app)
    findings = [(v.rule_name, r.construct_path) for v in report.violations for r in v.violating_resources]
    for scope, rule in _DeferredAcknowledgements.recorded:
        Validations.of(scope).acknowledge(rule)
    app.synth()
    acknowledged = [(scope.node.path, rule.id) for scope, rule in _DeferredAcknowledgements.recorded]
    return Synth(app=app, outdir=outdir, cfg=cfg, unacknowledged_findings=findings, acknowledgements=acknowledged,
                 plugins=[plugin.name for plugin in _DeferredAcknowledgements.plugins])


@pytest.fixture(scope="session")
def destroy_lake(tmp_path_factory: pytest.TempPathFactory, cfg: Config) -> Template:
    """The lake stack of an app run with ``-c destroyData=true`` (only the lake: no bundling)."""
    app = App(context={**cdk_json_context(), DESTROY_DATA: "true"},
              outdir=str(tmp_path_factory.mktemp("cdk.out.destroy")))
    stack = LakeStack(app, cfg.name("lake"), cfg=cfg, removal_policy=removal_policy(app))
    return Template.from_stack(stack)

"""A state machine whose definition is one of the ASL files in ``step_functions/``.

The file is read and inlined (``DefinitionBody.from_string``), so the deployed definition is the
file the offline runtime executes, with only the ``${...}`` placeholders substituted by
CloudFormation from ``components.definition_substitutions``.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Mapping, Set, Tuple

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from saleslens.components import StateMachineSpec
from saleslens.config import Config

from infra import PROJECT_ROOT
from infra.constructs.log_groups import encrypted_log_group
from infra.nag import acknowledge

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def read_definition(spec: StateMachineSpec) -> str:
    return (PROJECT_ROOT / spec.definition).read_text(encoding="utf-8")


def placeholders(definition: str) -> Set[str]:
    return set(_PLACEHOLDER.findall(definition))


def distributed_map_labels(definition: str) -> List[str]:
    """Map Run labels of the definition's Distributed Map states (``Label``, else the state name).

    Child executions of a Map Run are ``execution:<machine>/<label>:<child>``; redriving a Map
    Run needs ``states:RedriveExecution`` on them.
    """
    labels: List[str] = []

    def visit(states: Dict[str, Any]) -> None:
        for name, state in states.items():
            processor = state.get("ItemProcessor") or state.get("Iterator") or {}
            if state.get("Type") == "Map" and processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
                labels.append(state.get("Label") or name)
            visit(processor.get("States", {}))
            for branch in state.get("Branches", []):
                visit(branch.get("States", {}))

    # Placeholders only ever stand in for string values, so the file parses as JSON as it is.
    visit(json.loads(definition)["States"])
    return labels


def announced_events(definition: str) -> List[Tuple[str, str]]:
    """(Source, DetailType) of every event the definition puts on a bus (``events:putEvents``
    tasks), so a rule listening for one matches what the machine really sends."""
    found: List[Tuple[str, str]] = []

    def visit(states: Dict[str, Any]) -> None:
        for state in states.values():
            if state.get("Type") == "Task" and state.get("Resource", "").endswith(":::events:putEvents"):
                found.extend((e["Source"], e["DetailType"]) for e in state["Parameters"]["Entries"])
            visit((state.get("ItemProcessor") or state.get("Iterator") or {}).get("States", {}))
            for branch in state.get("Branches", []):
                visit(branch.get("States", {}))

    visit(json.loads(definition)["States"])
    return found


class StateMachineFromFile(Construct):
    """STANDARD state machine ``cfg.name(spec.key)``: logs ALL (with data) to a KMS log group,
    X-Ray tracing on, and a role that holds only what the stack grants (plus the log delivery
    and X-Ray permissions Step Functions itself requires)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cfg: Config,
        spec: StateMachineSpec,
        substitutions: Mapping[str, str],
        key: kms.IKey,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = cfg.name(spec.key)
        definition = read_definition(spec)
        missing = placeholders(definition) - set(substitutions)
        if missing:
            raise ValueError(f"{spec.definition}: no substitution for {', '.join(sorted(missing))}")
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"{self.name}: {spec.description}",
        )
        self.log_group = encrypted_log_group(
            self, "Logs", cfg=cfg, name=f"/aws/vendedlogs/states/{self.name}", key=key,
            removal_policy=removal_policy,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=self.name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(definition),
            definition_substitutions=dict(substitutions),
            role=self.role,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            tracing_enabled=True,
        )
        acknowledge(self.role, "AwsSolutions-IAM5[Resource::*]",
                    "CloudWatch Logs log-delivery and X-Ray actions Step Functions needs have no "
                    "resource-level permissions")

    @property
    def state_machine_arn(self) -> str:
        return self.state_machine.state_machine_arn

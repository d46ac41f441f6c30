"""A state machine whose definition is one of the ASL files in ``step_functions/``.

The file is read and inlined (``DefinitionBody.from_string``), so the deployed definition is the
file the offline runtime executes, with only the ``${...}`` placeholders substituted by
CloudFormation from ``components.definition_substitutions``, and one more kind: the files name
Step Functions' service integrations as ``"arn:aws:states:::<service>:<api>"`` (what moto runs),
and the deployed definition names them in the partition it is deployed to (``arn:aws-cn:...`` in
China) through one placeholder per integration, ``${Integration_<service>_<api>}``, which
CloudFormation fills with ``arn:<AWS::Partition>:states:::<service>:<api>``. A whole-value
placeholder, so cfn-lint still validates the rest of the definition.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Mapping, Set, Tuple

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import PROJECT_ROOT
from infra.constructs.log_groups import encrypted_log_group
from infra.nag import acknowledge, unscoped_policy
from saleslens.components import StateMachineSpec
from saleslens.config import Config

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_INTEGRATION = re.compile(r'"arn:aws:states:::([A-Za-z0-9.:-]+)"')
INTEGRATION_PREFIX = "Integration_"
# What Step Functions needs to deliver its logs and send traces (aws-cdk-lib's own grants for
# ``logs=`` and ``tracing_enabled=``); none of these actions has resource-level permissions.
LOG_DELIVERY_ACTIONS = ("logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                        "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                        "logs:DescribeResourcePolicies", "logs:DescribeLogGroups")
TRACING_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                   "xray:GetSamplingTargets")
# Execution data (inputs, outputs, error causes) carries names, emails and data cells: only
# errors are logged, without it. The run ledger and the execution history record every run.
LOG_LEVEL = sfn.LogLevel.ERROR
INCLUDE_EXECUTION_DATA = False


def read_definition(spec: StateMachineSpec) -> str:
    return (PROJECT_ROOT / spec.definition).read_text(encoding="utf-8")


def deployed_definition(definition: str) -> Tuple[str, Dict[str, str]]:
    """The definition as deployed, and the substitutions that put its service integrations in the
    partition of the stack."""
    integrations: Dict[str, str] = {}

    def placeholder(match: "re.Match[str]") -> str:
        key = INTEGRATION_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", match.group(1))
        integrations[key] = f"arn:{Aws.PARTITION}:states:::{match.group(1)}"
        return f'"${{{key}}}"'

    taken = {p for p in placeholders(definition) if p.startswith(INTEGRATION_PREFIX)}
    if taken:
        raise ValueError(f"placeholders {', '.join(sorted(taken))} are the deployment's own (service integrations)")
    return _INTEGRATION.sub(placeholder, definition), integrations


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
    """STANDARD state machine ``cfg.name(spec.key)``: logs errors, without execution data, to a
    KMS log group, X-Ray tracing on, and a role that holds only what the stack grants, plus the
    log delivery and X-Ray permissions Step Functions itself requires.

    Logging and tracing are set on the CloudFormation resource rather than through ``logs=`` and
    ``tracing_enabled=``, which would add their ``Resource: "*"`` statements to the role's
    default policy: they go into a policy of their own (``nag.unscoped_policy``)."""

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
        deployed, integrations = deployed_definition(definition)
        if set(integrations) & set(substitutions):
            raise ValueError(f"{spec.definition}: substitutions named like service integrations")
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
            definition_body=sfn.DefinitionBody.from_string(deployed),
            definition_substitutions={**substitutions, **integrations},
            role=self.role,
        )
        machine = self.state_machine.node.default_child
        machine.logging_configuration = sfn.CfnStateMachine.LoggingConfigurationProperty(
            level=LOG_LEVEL.value,
            include_execution_data=INCLUDE_EXECUTION_DATA,
            destinations=[sfn.CfnStateMachine.LogDestinationProperty(
                cloud_watch_logs_log_group=sfn.CfnStateMachine.CloudWatchLogsLogGroupProperty(
                    log_group_arn=self.log_group.log_group_arn))],
        )
        machine.tracing_configuration = sfn.CfnStateMachine.TracingConfigurationProperty(enabled=True)
        service = unscoped_policy(
            self, "LogDeliveryAndTracing", role=self.role,
            statements=[iam.PolicyStatement(actions=list(LOG_DELIVERY_ACTIONS + TRACING_ACTIONS), resources=["*"])],
            reason="CloudWatch Logs log-delivery and X-Ray actions Step Functions needs have no "
                   "resource-level permissions")
        # Like the default policy: in place before the machine is created and first runs.
        self.state_machine.node.add_dependency(service)
        acknowledge(self.state_machine, "AwsSolutions-SF1",
                    "Logs ERROR events without execution data: inputs, outputs and error causes carry names, "
                    "emails and data cells; the run ledger and the execution history record every run")

    @property
    def state_machine_arn(self) -> str:
        return self.state_machine.state_machine_arn

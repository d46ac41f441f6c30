"""A SalesLens Lambda function, created from its entry in ``components.LAMBDAS``."""
from __future__ import annotations

from typing import Dict, Mapping, Sequence

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.access import in_stack_partition
from infra.constructs.log_groups import encrypted_log_group
from infra.constructs.packaging import lambda_code
from infra.nag import acknowledge, unscoped_policy
from saleslens import components
from saleslens.components import LambdaSpec
from saleslens.config import Config

RUNTIME = lambda_.Runtime.PYTHON_3_11
RUNTIME_REASON = ("Python 3.11 is pinned: the AWSSDKPandas and Powertools layers in config.deploy are "
                  "built for it, and the shared library stays 3.9-safe for Glue")
# What active tracing needs (what aws-cdk-lib grants for Tracing.ACTIVE).
TRACING_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")


def handler_of(spec: LambdaSpec) -> str:
    return f"{spec.module}.handler"


def function_environment(cfg: Config) -> Mapping[str, str]:
    """The registry's runtime environment (same keys offline) plus the AWS-only log level."""
    env = dict(components.runtime_environment(cfg, Aws.ACCOUNT_ID, Aws.REGION, partition=Aws.PARTITION))
    env["POWERTOOLS_LOG_LEVEL"] = cfg.deploy.lambda_log_level
    return env


class SalesLensFunction(Construct):
    """Function named ``cfg.name(spec.key)``: Python 3.11 (unless ``runtime`` says otherwise), X-Ray active, its own KMS log group.

    Its role starts with nothing but writing to that log group (no AWSLambdaBasicExecutionRole)
    and sending traces; the stack grants each function exactly what it touches. Tracing is set on
    the CloudFormation resource rather than through ``tracing=``, which would add X-Ray's
    ``Resource: "*"`` statement to the role's default policy: it goes into a policy of its own
    (``nag.unscoped_policy``), so the default policy can never hold a ``*``. A spec with ``reserved_concurrency``
    gets exactly that many concurrent executions (taken from the account's pool); 1 serialises
    the function, and a second caller is throttled (``TooManyRequestsException``) and retries.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cfg: Config,
        spec: LambdaSpec,
        code: lambda_.Code,
        layers: Sequence[lambda_.ILayerVersion],
        key: kms.IKey,
        removal_policy: RemovalPolicy,
        runtime: lambda_.Runtime = RUNTIME,
        runtime_reason: str = RUNTIME_REASON,
    ) -> None:
        super().__init__(scope, construct_id)
        name = cfg.name(spec.key)
        self.spec = spec
        self.log_group = encrypted_log_group(
            self, "Logs", cfg=cfg, name=f"/aws/lambda/{name}", key=key, removal_policy=removal_policy)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{name}: {spec.description}",
        )
        self.role.add_to_principal_policy(iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[self.log_group.log_group_arn],
        ))
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            description=spec.description,
            runtime=runtime,
            architecture=lambda_.Architecture.X86_64,  # the layers in config.deploy are x86_64
            handler=handler_of(spec),
            code=code,
            layers=list(layers),
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(components.lambda_timeout_seconds(cfg, spec.key)),
            reserved_concurrent_executions=spec.reserved_concurrency,
            environment=dict(function_environment(cfg)),
            log_group=self.log_group,
            role=self.role,
        )
        self.function.node.default_child.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        tracing = unscoped_policy(
            self, "Tracing", role=self.role,
            statements=[iam.PolicyStatement(actions=list(TRACING_ACTIONS), resources=["*"])],
            reason="X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions")
        # Like the default policy: in place before the function first runs.
        self.function.node.add_dependency(tracing)
        acknowledge(self, "AwsSolutions-L1", runtime_reason)

    @property
    def function_arn(self) -> str:
        return self.function.function_arn


def managed_layers(scope: Construct, cfg: Config) -> list:
    """AWS SDK for pandas and Powertools layers (versions in config.deploy), in the partition
    the stack deploys to."""
    pandas_arn, powertools_arn = (in_stack_partition(arn) for arn in cfg.deploy.layer_arns(Aws.REGION))
    return [
        lambda_.LayerVersion.from_layer_version_arn(scope, "AwsSdkPandasLayer", pandas_arn),
        lambda_.LayerVersion.from_layer_version_arn(scope, "PowertoolsLayer", powertools_arn),
    ]


def pascal(key: str) -> str:
    """Construct id of a registry key: "start-ingest" -> "StartIngest"."""
    return "".join(part.capitalize() for part in key.split("-"))


def stack_functions(scope: Construct, cfg: Config, keys: Sequence[str], *, key: kms.IKey,
                    removal_policy: RemovalPolicy) -> Dict[str, SalesLensFunction]:
    """The stack's functions from the components registry, sharing one bundle and the layers."""
    code = lambda_code()
    layers = managed_layers(scope, cfg)
    return {
        k: SalesLensFunction(scope, pascal(k), cfg=cfg, spec=components.LAMBDAS[k], code=code, layers=layers,
                             key=key, removal_policy=removal_policy)
        for k in keys
    }

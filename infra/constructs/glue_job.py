"""A Glue Python-shell job from its entry in ``components.GLUE_JOBS``."""
from __future__ import annotations

from pathlib import Path
from typing import List, Mapping, Optional

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra import PROJECT_ROOT
from infra.constructs.access import regional_arn
from infra.constructs.log_groups import encrypted_log_group
from infra.constructs.packaging import library_wheel
from infra.nag import acknowledge, acknowledge_cdk_singleton, unscoped_policy, wildcard_resource
from saleslens.components import GlueJobSpec
from saleslens.config import Config

PYTHON_SHELL = "pythonshell"
PYTHON_VERSION = "3.9"  # the only Python the Glue Python shell runs (BRIEF principle 7)
GLUE_VERSION = "3.0"  # Glue version of Python shell 3.9 jobs
LIBRARY_PREFIX = "glue/lib/"
LOG_STREAMS = ("output", "error")
# Exact versions of what the jobs import beyond the standard library and boto3 (`make glue39`
# tests the jobs on them, on Python 3.9).
GLUE_LOCK = PROJECT_ROOT / "glue_jobs" / "requirements-glue.lock"


def glue_modules(lock: Path = GLUE_LOCK) -> List[str]:
    """The lock's ``name==version`` pins, in file order, for ``--additional-python-modules``."""
    pins = []
    for line in lock.read_text(encoding="utf-8").splitlines():
        pin = line.split("#", 1)[0].strip()
        if not pin:
            continue
        name, sep, version = pin.partition("==")
        if not sep or not name or not version or any(c in pin for c in " ,;<>!~[@"):
            raise ValueError(f"{lock.name}: {line!r} is not an exact name==version pin")
        pins.append(pin)
    return pins


def job_modules(spec: GlueJobSpec) -> List[str]:
    """The base lock's pins, then those of the job's own extra lock (``GlueJobSpec.extra_lock``)."""
    extra = glue_modules(PROJECT_ROOT / spec.extra_lock) if spec.extra_lock else []
    return glue_modules() + extra


def python_shell_log_group(security_configuration: str, role_name: str, stream: str) -> str:
    """Where a Python-shell job with a CloudWatch-encrypting security configuration logs.

    Such a job does not write to the account-wide ``/aws-glue/python-jobs/output`` and ``/error``
    groups but to groups Glue names after the security configuration and the role (path
    included; these roles have the default path ``/``).
    """
    return f"/aws-glue/python-jobs/{security_configuration}-role/{role_name}/{stream}"


class PythonShellJob(Construct):
    """Job ``cfg.name(spec.key)`` running ``spec.script`` with the saleslens wheel on its path.

    The script is a CDK file asset. Glue installs the pins of ``glue_jobs/requirements-glue.lock``
    (``--additional-python-modules``) over the analytics library set before each run: the set's
    own pyarrow is too old for the contract checks. The wheel is copied to ``artifacts`` under
    its real file name by a BucketDeployment (see ``packaging.library_wheel`` for why the name
    matters), in a folder named after its content hash so a code change also changes the job
    definition.
    A security configuration encrypts the job's CloudWatch logs, bookmarks and S3 writes with
    the lake key. The role can read its code and write its logs; the stack grants data access.
    The job's two log groups are created here, before Glue would create them itself without a
    retention period.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cfg: Config,
        spec: GlueJobSpec,
        default_arguments: Mapping[str, str],
        key: kms.IKey,
        artifacts: s3.IBucket,
        max_concurrent_runs: int,
        removal_policy: RemovalPolicy,
        library_of: Optional["PythonShellJob"] = None,
    ) -> None:
        """``library_of``: a job of the same stack whose wheel deployment this one uses (a stack has
        one BucketDeployment handler, and it takes the first deployment's role)."""
        super().__init__(scope, construct_id)
        self.name = cfg.name(spec.key)
        script_path = PROJECT_ROOT / spec.script
        if not script_path.is_file():
            raise FileNotFoundError(f"Glue job {spec.key!r}: script {spec.script} does not exist")
        script = s3_assets.Asset(self, "Script", path=str(script_path))

        wheel = library_wheel()
        wheel_prefix = f"{LIBRARY_PREFIX}{wheel.parent.name}/"
        self.role = iam.Role(
            self, "Role", assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
            description=f"{self.name}: {spec.description}",
        )
        if library_of is not None:
            self.library = library_of.library
        else:
            self.library = self._deploy_library(cfg, wheel, wheel_prefix, key, artifacts, script, removal_policy)
        library = self.library
        wheel_url = f"s3://{artifacts.bucket_name}/{wheel_prefix}{wheel.name}"

        self.role.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:GetObject"],
            resources=[script.bucket.arn_for_objects(script.s3_object_key),
                       artifacts.arn_for_objects(f"{wheel_prefix}{wheel.name}")],
        ))
        # Glue creates its own log groups (named after the security configuration and role).
        glue_logs = regional_arn("logs", "log-group:/aws-glue/python-jobs/*")
        self.role.add_to_principal_policy(iam.PolicyStatement(
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
            resources=[glue_logs],
        ))
        acknowledge(self.role, wildcard_resource(self.role, glue_logs),
                    "Glue names the Python-shell log groups itself under /aws-glue/python-jobs/")
        metrics = unscoped_policy(
            self, "Metrics", role=self.role,
            statements=[iam.PolicyStatement(actions=["cloudwatch:PutMetricData"], resources=["*"],
                                            conditions={"StringEquals": {"cloudwatch:namespace": "Glue"}})],
            reason="cloudwatch:PutMetricData has no resource-level permissions; limited to the Glue namespace")
        self.role.add_to_principal_policy(iam.PolicyStatement(
            actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], resources=[key.key_arn]))

        security_name = f"{self.name}-security"
        self.log_groups = {
            stream: encrypted_log_group(
                self, f"{stream.capitalize()}Logs", cfg=cfg,
                name=python_shell_log_group(security_name, self.role.role_name, stream),
                key=key, removal_policy=removal_policy,
            )
            for stream in LOG_STREAMS
        }
        security = glue.CfnSecurityConfiguration(
            self,
            "SecurityConfiguration",
            name=security_name,
            encryption_configuration=glue.CfnSecurityConfiguration.EncryptionConfigurationProperty(
                cloud_watch_encryption=glue.CfnSecurityConfiguration.CloudWatchEncryptionProperty(
                    cloud_watch_encryption_mode="SSE-KMS", kms_key_arn=key.key_arn),
                job_bookmarks_encryption=glue.CfnSecurityConfiguration.JobBookmarksEncryptionProperty(
                    job_bookmarks_encryption_mode="CSE-KMS", kms_key_arn=key.key_arn),
                s3_encryptions=[glue.CfnSecurityConfiguration.S3EncryptionProperty(
                    s3_encryption_mode="SSE-KMS", kms_key_arn=key.key_arn)],
            ),
        )
        self.job = glue.CfnJob(
            self,
            "Job",
            name=self.name,
            description=spec.description,
            role=self.role.role_arn,
            command=glue.CfnJob.JobCommandProperty(
                name=PYTHON_SHELL, python_version=PYTHON_VERSION, script_location=script.s3_object_url),
            glue_version=GLUE_VERSION,
            max_capacity=spec.max_capacity,
            timeout=spec.timeout_minutes,
            execution_property=glue.CfnJob.ExecutionPropertyProperty(max_concurrent_runs=max_concurrent_runs),
            security_configuration=security.name,
            default_arguments={
                **default_arguments,
                "--extra-py-files": wheel_url,
                "--additional-python-modules": ",".join(job_modules(spec)),
                "library-set": "analytics",  # boto3 and the rest; the lock's pins replace its versions
                "--enable-metrics": "true",
                "--job-language": "python",
            },
        )
        self.job.add_resource_dependency(security)
        self.job.node.add_dependency(library, metrics, *self.log_groups.values())


    def _deploy_library(self, cfg: Config, wheel: Path, wheel_prefix: str, key: kms.IKey, artifacts: s3.IBucket,
                        script: s3_assets.Asset, removal_policy: RemovalPolicy) -> s3deploy.BucketDeployment:
        deploy_logs = encrypted_log_group(
            self, "LibraryDeploymentLogs", cfg=cfg, name=f"/aws/lambda/{self.name}-library-deployment",
            key=key, removal_policy=removal_policy,
        )
        deploy_role = iam.Role(
            self, "LibraryDeploymentRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{self.name}: copies the saleslens wheel to the artifacts bucket at deploy",
        )
        deploy_role.add_to_principal_policy(iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[deploy_logs.log_group_arn]))
        library = s3deploy.BucketDeployment(
            self,
            "Library",
            sources=[s3deploy.Source.asset(str(wheel.parent))],
            destination_bucket=artifacts,
            destination_key_prefix=wheel_prefix,
            prune=False,
            retain_on_delete=removal_policy == RemovalPolicy.RETAIN,
            log_group=deploy_logs,
            role=deploy_role,
        )
        # BucketDeployment grants its handler grantRead on the staged asset and grantReadWrite on
        # the destination (both encrypted): CDK's wildcard action sets, on these two buckets only.
        for finding in ("Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:Abort*",
                        "Action::s3:DeleteObject*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*"):
            acknowledge(deploy_role, f"AwsSolutions-IAM5[{finding}]",
                        "CDK BucketDeployment's own grants to copy the wheel asset into the artifacts bucket")
        for objects in (script.bucket.arn_for_objects("*"), artifacts.arn_for_objects("*")):
            acknowledge(deploy_role, wildcard_resource(deploy_role, objects),
                        "CDK BucketDeployment reads the staged asset and syncs the artifacts bucket prefix")
        acknowledge_cdk_singleton(Stack.of(self), "Custom::CDKBucketDeployment", "AwsSolutions-L1",
                                  "The BucketDeployment handler's Python runtime is chosen by aws-cdk-lib")
        return library

    @property
    def job_arn(self) -> str:
        return regional_arn("glue", f"job/{self.name}")

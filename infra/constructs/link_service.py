"""The link service (saleslens.links): the open-report function behind a function URL (auth NONE:
the signed token is the credential; reserved concurrency is the throttle, a request beyond it
gets 429), the signing key in Secrets Manager with its rotation function and schedule, and the
revocation and access-log tables. Grants the distribution functions that issue links what they
need: render-report reads the current key and gets the URL; resolve-recipients writes the holders.
"""
from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs.access import LIST, REPORT_PAGES, bucket_arn, grant_key, objects_arn, regional_arn
from infra.constructs.python_function import SalesLensFunction, stack_functions
from infra.constructs.tables import encrypted_table
from infra.nag import acknowledge, wildcard_resource
from saleslens import components
from saleslens.config import Config
from saleslens.links import access_log, revocation
from saleslens.links.holders import HOLDER_ENDS_KEY, HOLDERS_KEY

LINK_FUNCTIONS = ("open-report", "rotate-link-key")
REVOCATION_READS = ("dynamodb:GetItem", "dynamodb:BatchGetItem")
ROTATION_ACTIONS = ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
                    "secretsmanager:UpdateSecretVersionStage")
# 44 characters of [A-Za-z0-9] are valid base64 of 33 random bytes (keys.decode_key); rotations
# then write 32 random bytes, base64.
INITIAL_KEY_CHARACTERS = 44


class LinkService(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, key: kms.IKey,
                 render: SalesLensFunction, resolve: SalesLensFunction, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.cfg = cfg
        self.functions = stack_functions(self, cfg, LINK_FUNCTIONS, key=key, removal_policy=removal_policy)
        opener, rotator = self.functions["open-report"], self.functions["rotate-link-key"]

        self.secret = secretsmanager.Secret(
            self, "SigningKey", secret_name=cfg.name(components.LINK_SIGNING_SECRET),
            description="HMAC-SHA256 key of the report links (current and previous versions verify)",
            encryption_key=key, removal_policy=removal_policy,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=INITIAL_KEY_CHARACTERS, exclude_punctuation=True, include_space=False),
        )
        self._rotation(rotator, key)

        self.revocations = self._table("Revocations", components.LINK_REVOCATION_TABLE, key, removal_policy,
                                       partition="id", ttl=revocation.TTL_ATTRIBUTE)
        self.access_log = self._table("AccessLog", components.LINK_ACCESS_LOG_TABLE, key, removal_policy,
                                      partition="employee_id", sort="opened_at", ttl=access_log.TTL_ATTRIBUTE)

        cfn = opener.function.node.default_child
        cfn.reserved_concurrent_executions = cfg.links.max_concurrent_opens  # type: ignore[union-attr]
        self.url = opener.function.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)

        self._grant_opener(opener, key)
        self._grant_issuers(render, resolve)

    def _table(self, construct_id: str, component: str, key: kms.IKey, removal_policy: RemovalPolicy, *, partition: str,
               ttl: str, sort: str = "") -> dynamodb.Table:
        return encrypted_table(self, construct_id, table_name=self.cfg.name(component), partition=partition, ttl=ttl,
                               sort=sort, key=key, removal_policy=removal_policy)

    def _rotation(self, rotator: SalesLensFunction, key: kms.IKey) -> None:
        """The rotation schedule, written as its CloudFormation resource: the CDK's helper would
        also grant secretsmanager:GetRandomPassword on "*", which the function does not call."""
        rotator.role.add_to_principal_policy(iam.PolicyStatement(actions=list(ROTATION_ACTIONS),
                                                                 resources=[self.secret.secret_arn]))
        grant_key(rotator.role, key, encrypt=True)
        rotator.function.add_permission(
            "SecretsManagerRotates", principal=iam.ServicePrincipal("secretsmanager.amazonaws.com"),
            action="lambda:InvokeFunction", source_arn=self.secret.secret_arn)
        schedule = secretsmanager.CfnRotationSchedule(
            self, "Rotation", secret_id=self.secret.secret_arn, rotation_lambda_arn=rotator.function_arn,
            rotation_rules=secretsmanager.CfnRotationSchedule.RotationRulesProperty(
                automatically_after_days=self.cfg.links.key_rotation_days),
            rotate_immediately_on_update=False,
        )
        # The permission (a child of the function) and the role's policy in place before the first rotation.
        schedule.node.add_dependency(rotator.function, rotator.role)

    def _grant_opener(self, opener: SalesLensFunction, key: kms.IKey) -> None:
        cfg, role = self.cfg, opener.role
        role.add_to_principal_policy(iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"],
                                                         resources=[self.secret.secret_arn]))
        # Presigns GETs of report pages (signed with this role's credentials), reads the holders and their ends.
        reports = objects_arn(cfg, "reports", REPORT_PAGES)
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[reports, objects_arn(cfg, "reports", HOLDERS_KEY),
                                                 objects_arn(cfg, "reports", HOLDER_ENDS_KEY)]))
        acknowledge(role, wildcard_resource(role, reports),
                    "Presigns the GET of the report page a verified link names, under reports/ only")
        # Without ListBucket the holders file, missing before the first run, would read as AccessDenied.
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(LIST), resources=[bucket_arn(cfg, "reports")]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=[*REVOCATION_READS, "dynamodb:PutItem"], resources=[self.revocations.table_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(actions=["dynamodb:PutItem"],
                                                         resources=[self.access_log.table_arn]))
        # The lake key: the secret, the holders file and (through the URL) the page, and the tables' items.
        grant_key(role, key, encrypt=True)
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["ses:SendRawEmail"],
            resources=[regional_arn("ses", f"identity/{cfg.distribution.sender}"),
                       regional_arn("ses", f"configuration-set/{cfg.name(components.SES_CONFIGURATION_SET)}")]))

    def _grant_issuers(self, render: SalesLensFunction, resolve: SalesLensFunction) -> None:
        cfg = self.cfg
        render.function.add_environment("LINK_BASE_URL", self.url.url)
        render.role.add_to_principal_policy(iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"],
                                                                resources=[self.secret.secret_arn]))
        resolve.role.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:GetObject", "s3:PutObject"], resources=[objects_arn(cfg, "reports", HOLDERS_KEY)]))
        resolve.role.add_to_principal_policy(iam.PolicyStatement(actions=list(LIST), resources=[bucket_arn(cfg, "reports")]))


__all__ = ["LINK_FUNCTIONS", "LinkService"]

"""DistributionStack: plan the run -> role marts (Athena, over the clean and curated tables) ->
control totals -> insights (written to the curated zone) and their marts -> recipients -> render and deliver -> summary to ops.

Also the delivery ledger, SES sending setup (with its event destination and suppression table:
infra/constructs/email_events.py), and the deploy-time custom resource that creates
the Athena views of athena_sql/.
"""
from __future__ import annotations

from typing import Dict

from aws_cdk import Aws, CustomResource, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ses as ses
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra.constructs.access import (
    CALENDAR,
    REPORT_PAGES,
    RUN_FILES,
    RUN_FRESHNESS,
    RUN_ITEMS,
    RUN_OUTCOMES,
    RUN_RECIPIENTS,
    SCORES_SNAPSHOT,
    executions_arn,
    grant_athena_queries,
    grant_glue_catalog,
    grant_key,
    grant_list,
    grant_s3,
    index_arn,
    map_run_executions_arn,
    objects_arn,
    regional_arn,
    state_machine_arn,
    table_arn,
)
from infra.constructs.email_events import EmailEvents
from infra.constructs.link_service import LinkService
from infra.constructs.log_groups import encrypted_log_group
from infra.constructs.packaging import sql_hash
from infra.constructs.push import TabletPush
from infra.constructs.python_function import stack_functions
from infra.constructs.schedules import SCHEDULES_DLQ, DistributionSchedules
from infra.constructs.state_machine import StateMachineFromFile, distributed_map_labels, read_definition
from infra.constructs.tables import encrypted_table
from infra.nag import acknowledge, wildcard_resource
from infra.stacks.ops import OpsStack
from saleslens import components, ledger
from saleslens.config import Config

DISTRIBUTION_FUNCTIONS = ("plan-run", "snapshot-scores", "check-control-totals", "build-insights", "resolve-recipients",
                          "render-report", "summarise-run", "apply-views", "record-email-event")
# Functions the distribute state machine invokes (apply-views runs at deploy, from a custom resource).
MACHINE_TASKS = ("plan-run", "snapshot-scores", "check-control-totals", "build-insights", "resolve-recipients",
                 "render-report", "summarise-run")
# The insight tables build-insights writes (saleslens.curate.tables: cur_insights__*), and only those.
INSIGHT_TABLES = "cur_insights__*"
GLUE_READ = ("glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions")
GLUE_VIEWS = ("glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable",
              "glue:DeleteTable")
# The delivery ledger (saleslens.delivery.ledger): a batch's items read at once, then each claimed,
# completed or released by a conditional put (a released new claim is deleted); the devices'
# endpoints the batch learned written at once (BatchWriteItem, no condition: hints).
LEDGER_ACTIONS = ("dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
# snapshot-scores reads the whole scores table page by page (saleslens.scoring.snapshot) and
# replaces one curated object: nothing else.
SCORES_ACTIONS = ("dynamodb:Scan",)


class DistributionStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, key: kms.IKey, ops: OpsStack,
                 removal_policy: RemovalPolicy, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.cfg = cfg
        self.functions = stack_functions(self, cfg, DISTRIBUTION_FUNCTIONS, key=key, removal_policy=removal_policy)

        self.ledger = encrypted_table(self, "DeliveryLedger", table_name=cfg.name(components.DELIVERY_LEDGER_TABLE),
                                      partition="id", ttl="expiration", key=key, removal_policy=removal_policy)
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ReportsConfigurationSet",
            configuration_set_name=cfg.name(components.SES_CONFIGURATION_SET),
            tls_policy=ses.ConfigurationSetTlsPolicy.REQUIRE,
            reputation_metrics=True,
            sending_enabled=True,
            # SES's account-level suppression list also refuses addresses that bounced or complained.
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        self.sender = ses.EmailIdentity(
            self,
            "SenderIdentity",
            identity=ses.Identity.email(cfg.distribution.sender),
            configuration_set=self.configuration_set,
        )

        self.email_events = EmailEvents(self, "EmailEvents", cfg=cfg, configuration_set=self.configuration_set,
                                        recorder=self.functions["record-email-event"], key=key,
                                        removal_policy=removal_policy)

        self.push = TabletPush(self, "TabletPush", cfg=cfg, sender=self.functions["render-report"])

        self._grant_functions(key)
        # The link service: the emailed links point at its function URL (infra/constructs/link_service.py).
        self.links = LinkService(self, "LinkService", cfg=cfg, key=key, render=self.functions["render-report"],
                                 resolve=self.functions["resolve-recipients"], removal_policy=removal_policy)
        # A fresh link is not emailed to an address that bounced or complained (saleslens.links.service).
        self.email_events.grant_lookup(self.links.functions["open-report"].role)
        self.distribute = self._state_machine(key, ops, removal_policy)
        self.schedules = DistributionSchedules(self, "Schedules", cfg=cfg, machine_name=self.distribute.name,
                                               state_machine=self.distribute.state_machine, key=key,
                                               removal_policy=removal_policy)
        self.views = self._views_custom_resource(key, removal_policy)

    @property
    def dead_letter_queues(self) -> Dict[str, str]:
        """Every dead-letter queue of the stack, by name, with what ops does with its messages."""
        return {self.cfg.name(SCHEDULES_DLQ): (
            "A distribution schedule could not start the distribution machine: start it by hand with each "
            "message's input, giving the run date the schedule would have settled (docs/runbook.md, Schedules)")}

    def _grant_functions(self, key: kms.IKey) -> None:
        cfg, fns = self.cfg, self.functions
        # plan-run settles an "auto" run date from the curated calendar and checks that each daily
        # dataset published the date's partition (a LIST: it reads no clean data).
        plan = fns["plan-run"].role
        plan.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"],
                                                         resources=[objects_arn(cfg, "curated", CALENDAR)]))
        grant_list(plan, cfg, "curated")  # without it the calendar not yet curated reads as AccessDenied
        grant_list(plan, cfg, "clean")
        grant_key(plan, key, encrypt=False)
        # snapshot-scores: Scan of the scores table (the scoring stack's, by name) -> the one
        # curated object of cur_crm__opportunity_scores. Decrypt for the table, encrypt for the object.
        snap = fns["snapshot-scores"].role
        snap.add_to_principal_policy(iam.PolicyStatement(
            actions=list(SCORES_ACTIONS), resources=[table_arn(cfg.name(components.OPPORTUNITY_SCORES_TABLE))]))
        snap.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:PutObject"], resources=[objects_arn(cfg, "curated", SCORES_SNAPSHOT)]))
        grant_key(snap, key, encrypt=True)
        control = fns["check-control-totals"].role
        grant_s3(control, cfg, "athena-results", read=True,
                 reason="Reads the control and primary mart results its run's queries wrote, named after the query ids")
        grant_key(control, key, encrypt=False)

        # build-insights reads its inputs with Athena queries of its own (the views over the curated
        # zone, whose Glue tables and views Athena reads as the caller), and writes the insight tables only.
        insights = fns["build-insights"].role
        grant_athena_queries(insights, cfg)
        grant_glue_catalog(insights, cfg, GLUE_READ,
                           reason="Its queries read the curated tables and the views created at deploy time")
        grant_s3(insights, cfg, "curated", read=True, key_pattern="cur_*",
                 reason="Athena reads the curated tables' Parquet (cur_<source>__<subject>/) on its behalf")
        grant_s3(insights, cfg, "curated", write=True, delete=True, key_pattern=INSIGHT_TABLES,
                 reason="Writes one object per run date and cadence of each cur_insights__ table")
        grant_key(insights, key, encrypt=True)

        # The recipients come from the recipients mart (the same as-of hierarchy as the figures),
        # not from the clean zone.
        resolve = fns["resolve-recipients"].role
        grant_s3(resolve, cfg, "athena-results", read=True,
                 reason="Reads the recipients mart result its run's query wrote, named after the query id")
        grant_s3(resolve, cfg, "reports", write=True, key_pattern=RUN_FILES,
                 reason="Writes the run's recipients file under runs/<run id>/, the id known at run time")
        grant_key(resolve, key, encrypt=True)
        # How fresh each source is (reports.freshness.read_freshness): the by_dataset index only.
        resolve.add_to_principal_policy(iam.PolicyStatement(
            actions=["dynamodb:Query"],
            resources=[index_arn(cfg.name(components.RUN_LEDGER_TABLE), ledger.BY_DATASET)]))
        self.email_events.grant_read(resolve)

        render = fns["render-report"].role
        grant_s3(render, cfg, "athena-results", read=True,
                 reason="Reads the mart results its run's queries wrote, named after the query ids")
        grant_s3(render, cfg, "reports", read=True, write=True, key_pattern=REPORT_PAGES,
                 reason="Writes each recipient's report under reports/<cadence>/<date>/ and signs its link")
        grant_s3(render, cfg, "reports", read=True, key_pattern=RUN_RECIPIENTS,
                 reason="Looks its recipient's name and email up in the run's recipients file, runs/<run id>/")
        grant_s3(render, cfg, "reports", read=True, key_pattern=RUN_FRESHNESS,
                 reason="Reads how fresh each source is from the run's freshness file, runs/<run id>/")
        grant_s3(render, cfg, "reports", write=True, key_pattern=RUN_OUTCOMES,
                 reason="Writes its batch's outcomes file under runs/<run id>/outcomes/")
        grant_key(render, key, encrypt=True)
        render.add_to_principal_policy(iam.PolicyStatement(
            actions=["ses:SendRawEmail"],
            resources=[regional_arn("ses", f"identity/{cfg.distribution.sender}"),
                       regional_arn("ses", f"configuration-set/{cfg.name(components.SES_CONFIGURATION_SET)}")],
        ))
        render.add_to_principal_policy(iam.PolicyStatement(
            actions=list(LEDGER_ACTIONS), resources=[self.ledger.table_arn]))

        summarise = fns["summarise-run"].role
        grant_s3(summarise, cfg, "reports", read=True, key_pattern=RUN_OUTCOMES,
                 reason="Reads the outcomes files its run's batches wrote under runs/<run id>/outcomes/")
        grant_key(summarise, key, encrypt=False)

        views = fns["apply-views"].role
        grant_athena_queries(views, cfg, extra_actions=["athena:GetWorkGroup"])  # awswrangler reads the workgroup
        grant_glue_catalog(views, cfg, GLUE_VIEWS,
                           reason="Creates and replaces one view per athena_sql file; names come from the SQL files")
        grant_key(views, key, encrypt=True)

    def _state_machine(self, key: kms.IKey, ops: OpsStack, removal_policy: RemovalPolicy) -> StateMachineFromFile:
        cfg = self.cfg
        spec = components.STATE_MACHINES["distribute"]
        machine = StateMachineFromFile(
            self, "Distribute", cfg=cfg, spec=spec,
            substitutions=components.definition_substitutions(
                cfg, "distribute", account=Aws.ACCOUNT_ID, region=Aws.REGION,
                lambda_arn_of=lambda k: self.functions[k].function_arn,
                ops_topic_arn=ops.topic.topic_arn, offline=False,
            ),
            key=key, removal_policy=removal_policy,
        )
        role = machine.role
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["lambda:InvokeFunction"],
            resources=[self.functions[k].function_arn for k in MACHINE_TASKS],
        ))
        # Distributed Map: the machine starts child executions of itself and watches them. ARNs are
        # built from the name, as the machine's own ARN would make its role depend on it.
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["states:StartExecution"], resources=[state_machine_arn(machine.name)]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["states:DescribeExecution", "states:StopExecution"], resources=[executions_arn(machine.name)]))
        acknowledge(role, wildcard_resource(role, executions_arn(machine.name)),
                    "Distributed Map child executions are named at run time; scoped to this machine")
        # Redriving the parent redrives its failed Map Run, whose children the machine itself
        # restarts: AWS documents RedriveExecution on execution:<machine>/<map run label>:*.
        for label in distributed_map_labels(read_definition(spec)):
            children = map_run_executions_arn(machine.name, label)
            role.add_to_principal_policy(iam.PolicyStatement(actions=["states:RedriveExecution"], resources=[children]))
            acknowledge(role, wildcard_resource(role, children),
                        f"Redriving the {label} Map Run restarts its failed child executions, named at run time")
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[objects_arn(cfg, "reports", RUN_ITEMS)]))
        acknowledge(role, wildcard_resource(role, objects_arn(cfg, "reports", RUN_ITEMS)),
                    "The ItemReader reads the run's items file (ids only) whose key ResolveRecipients returns")
        grant_athena_queries(role, cfg)
        grant_glue_catalog(role, cfg, GLUE_READ,
                           reason="Mart queries read the clean and curated tables and the views created at deploy time")
        # The marts read the curated tables, and the control totals four clean ones.
        for zone in ("clean", "curated"):
            grant_s3(role, cfg, zone, read=True, reason="Athena reads the tables' Parquet on the caller's behalf")
        grant_key(role, key, encrypt=True)
        ops.grant_publish(role)
        return machine

    def _views_custom_resource(self, key: kms.IKey, removal_policy: RemovalPolicy) -> CustomResource:
        """Runs apply-views at deploy; a change to any athena_sql/**/*.sql changes SqlHash and re-runs it."""
        handler = self.functions["apply-views"].function
        provider_role = iam.Role(
            self, "ApplyViewsProviderRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Custom-resource framework of the Athena views: invokes apply-views",
        )
        provider_logs = encrypted_log_group(
            self, "ApplyViewsProviderLogs", cfg=self.cfg, name=f"/aws/lambda/{self.cfg.name('apply-views-provider')}",
            key=key, removal_policy=removal_policy,
        )
        provider_role.add_to_principal_policy(iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[provider_logs.log_group_arn]))
        provider = cr.Provider(
            self,
            "ApplyViewsProvider",
            on_event_handler=handler,
            framework_on_event_role=provider_role,
            provider_function_name=self.cfg.name("apply-views-provider"),
            log_group=provider_logs,
        )
        acknowledge(provider_role, wildcard_resource(provider_role, f"{handler.function_arn}:*"),
                    "The CDK provider framework may invoke any version of apply-views (grantInvoke)")
        return CustomResource(
            self,
            "AthenaViews",
            service_token=provider.service_token,
            resource_type="Custom::AthenaViews",
            properties={"SqlHash": sql_hash()},
            removal_policy=removal_policy,
        )



"""ObservabilityStack: alarms that page ops (the ops topic), Glue job failure notices, a dashboard.

Everything watched is found by the name the config gives it (state machines, functions,
queues, the Glue job), like the grants in ``infra.constructs.access``: the stack depends on
the ops topic only, and an alarm's dimensions are the very names the pipeline stacks deploy.

What pages ops, each when the metric's Sum over one period (``deploy.alarm_period_minutes``)
reaches its ``deploy.*_threshold``:
- each state machine: ExecutionsFailed, ExecutionsTimedOut (AWS/States);
- the data-quality gate: QualityGateBreaches, the EMF metric check-quality emits (Powertools,
  namespace and ``service`` dimension from the functions' runtime environment);
- undelivered reports: UndeliveredReports, the EMF metric summarise-run emits, on any one (>= 1);
- each function: Errors (AWS/Lambda); Throttles too, except a function with reserved
  concurrency (curate), whose throttles are how its runs wait their turn (see ``_alarm_functions``);
- each Glue job: failed runs, counted by the rule below (AWS/Events TriggeredRules);
- each dead-letter queue: any visible message (Maximum > 0), its description saying what to do
  with the messages (given by the stack that owns the queue).
Glue jobs also have a rule that sends each FAILED/TIMEOUT/ERROR run to the topic as a readable
message. Python-shell jobs publish no Glue job metrics (those come from Spark), so run counts
come from EventBridge: one rule per outcome, the success rule without a target, as aws-cdk's
glue module counts job outcomes.
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.constructs.access import state_machine_arn
from infra.constructs.event_targets import PlainTarget
from infra.constructs.python_function import pascal
from infra.stacks.curation import PARTITION_PUBLISHED_RULE
from saleslens import components
from saleslens.config import Config

SUM, MAXIMUM, P95 = "Sum", "Maximum", "p95"
EXECUTION_METRICS = ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut",
                     "ExecutionsAborted")
GLUE_FAILED_STATES = ("FAILED", "TIMEOUT", "ERROR")
ROW_METRICS = ("rows_in", "rows_clean", "rows_quarantined")
QUALITY_BREACHES = "QualityGateBreaches"
UNDELIVERED_REPORTS = "UndeliveredReports"
GLUE_JOB_FAILED_RULE = "glue-job-failed"
GLUE_JOB_SUCCEEDED_RULE = "glue-job-succeeded"
DASHBOARD = "pipeline"
WIDTH = 24  # the dashboard grid


class ObservabilityStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, ops_topic: sns.ITopic,
                 dead_letter_queues: Mapping[str, str], **kwargs) -> None:
        """``dead_letter_queues``: every dead-letter queue's name, with what ops does with its messages."""
        super().__init__(scope, construct_id, **kwargs)
        self.cfg = cfg
        self.period = Duration.minutes(cfg.deploy.alarm_period_minutes)
        self._action = cw_actions.SnsAction(ops_topic)
        self.alarms: Dict[str, cw.Alarm] = {}
        env = components.runtime_environment(cfg, Aws.ACCOUNT_ID, Aws.REGION)
        self.emf_namespace, self.emf_dimensions = env["POWERTOOLS_METRICS_NAMESPACE"], {
            "service": env["POWERTOOLS_SERVICE_NAME"]}
        self.dead_letter_queues = dict(dead_letter_queues)
        self.glue_jobs = [cfg.name(k) for k in sorted(components.GLUE_JOBS)]

        self.glue_failed_rule, self.glue_succeeded_rule = self._glue_job_rules(ops_topic)
        self._alarm_state_machines()
        self._alarm_quality_gate()
        self._alarm_undelivered_reports()
        self._alarm_functions()
        self._alarm_glue_jobs()
        self._alarm_dead_letter_queues()
        self.dashboard = self._dashboard()

    # -- metrics (labels only on the dashboard: an alarm on a labelled metric becomes metric math) --
    def _metric(self, namespace: str, name: str, dimensions: Dict[str, str], statistic: str = SUM,
                label: Optional[str] = None) -> cw.Metric:
        return cw.Metric(namespace=namespace, metric_name=name, dimensions_map=dimensions, statistic=statistic,
                         period=self.period, label=label)

    def execution_metric(self, machine: str, name: str, labelled: bool = False) -> cw.Metric:
        return self._metric("AWS/States", name, {"StateMachineArn": state_machine_arn(self.cfg.name(machine))},
                            label=name.replace("Executions", "") if labelled else None)

    def function_metric(self, function: str, name: str, statistic: str = SUM, labelled: bool = False) -> cw.Metric:
        return self._metric("AWS/Lambda", name, {"FunctionName": self.cfg.name(function)}, statistic,
                            label=function if labelled else None)

    def emf_metric(self, name: str, labelled: bool = False) -> cw.Metric:
        return self._metric(self.emf_namespace, name, self.emf_dimensions, label=name if labelled else None)

    def queue_metric(self, queue: str, name: str = "ApproximateNumberOfMessagesVisible",
                     label: Optional[str] = None) -> cw.Metric:
        return self._metric("AWS/SQS", name, {"QueueName": queue}, MAXIMUM, label=label)

    def rule_metric(self, rule: str, label: Optional[str] = None) -> cw.Metric:
        return self._metric("AWS/Events", "TriggeredRules", {"RuleName": rule}, label=label)

    # -- alarms ----------------------------------------------------------------------------
    def _alarm(self, construct_id: str, name: str, metric: cw.Metric, threshold: float, description: str,
               comparison: cw.ComparisonOperator = cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
               ) -> cw.Alarm:
        alarm = cw.Alarm(
            self,
            construct_id,
            alarm_name=self.cfg.name(name),
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=1,
            # These metrics are sparse: no data means nothing happened, not an outage.
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        self.alarms[alarm.node.id] = alarm
        return alarm

    def _alarm_state_machines(self) -> None:
        deploy = self.cfg.deploy
        for machine in sorted(components.STATE_MACHINES):
            title = pascal(machine)
            self._alarm(f"{title}ExecutionsFailed", f"{machine}-executions-failed",
                        self.execution_metric(machine, "ExecutionsFailed"), deploy.executions_failed_threshold,
                        f"{self.cfg.name(machine)} executions failed: the ops topic carries each failure record; "
                        "redrive from the Step Functions console once fixed")
            self._alarm(f"{title}ExecutionsTimedOut", f"{machine}-executions-timed-out",
                        self.execution_metric(machine, "ExecutionsTimedOut"), deploy.executions_timed_out_threshold,
                        f"{self.cfg.name(machine)} executions exceeded the machine's TimeoutSeconds")

    def _alarm_quality_gate(self) -> None:
        self._alarm("QualityGateBreaches", "quality-gate-breaches", self.emf_metric(QUALITY_BREACHES),
                    self.cfg.deploy.quality_gate_breaches_threshold,
                    "check-quality refused to publish a partition (QualityGateFailed): see the run ledger and "
                    "the quarantine file named in the failure record")

    def _alarm_undelivered_reports(self) -> None:
        # Any one: a person without their numbers. Suppressed and already-sent recipients are not
        # counted; a run past the failure tolerance also fails (executions-failed).
        self._alarm("UndeliveredReports", "undelivered-reports", self.emf_metric(UNDELIVERED_REPORTS), 1,
                    "A distribution run finished with recipients whose report was not delivered (SummariseRun "
                    "counts them; the ops summary's subject says N FAILED): find them in the run's outcomes "
                    "files (runs/<execution>/outcomes/) or a failed child of its RenderAndDeliver Map Run, fix "
                    "the cause, then start the run again for the same date and cadence (nobody is emailed twice)")

    def _alarm_functions(self) -> None:
        deploy = self.cfg.deploy
        for function in sorted(components.LAMBDAS):
            title = pascal(function)
            self._alarm(f"{title}Errors", f"{function}-errors", self.function_metric(function, "Errors"),
                        deploy.lambda_errors_threshold,
                        f"{self.cfg.name(function)} raised errors (named errors included: the state machines "
                        "catch them; see the function's log group)")
            # A function with reserved concurrency is throttled by design: with 1 (curate), every
            # run that arrives while another holds it is throttled, and its state machine retries
            # Lambda.TooManyRequestsException until the function is free. A throttle is a run
            # waiting its turn, not a fault; a run that waited too long fails its execution, and
            # ExecutionsFailed of that machine pages ops instead (the dashboard still graphs them).
            if components.LAMBDAS[function].reserved_concurrency is not None:
                continue
            self._alarm(f"{title}Throttles", f"{function}-throttles", self.function_metric(function, "Throttles"),
                        deploy.lambda_throttles_threshold,
                        f"{self.cfg.name(function)} was throttled (the account's concurrency ran out)")

    def _alarm_glue_jobs(self) -> None:
        self._alarm("GlueJobFailures", "glue-job-failures",
                    self.rule_metric(self.cfg.name(GLUE_JOB_FAILED_RULE)),
                    self.cfg.deploy.glue_job_failures_threshold,
                    f"Glue job runs ended FAILED, TIMEOUT or ERROR ({', '.join(self.glue_jobs)}); "
                    "each run was also sent to the ops topic")

    def _alarm_dead_letter_queues(self) -> None:
        for queue, remedy in sorted(self.dead_letter_queues.items()):
            short = _unprefixed(self.cfg, queue)
            self._alarm(f"{pascal(short)}NotEmpty", f"{short}-not-empty",
                        self.queue_metric(queue), 0,
                        f"{queue} holds {remedy}",
                        comparison=cw.ComparisonOperator.GREATER_THAN_THRESHOLD)

    # -- Glue job outcomes -----------------------------------------------------------------
    def _glue_job_rules(self, ops_topic: sns.ITopic) -> Tuple[events.Rule, events.Rule]:
        def pattern(states: Sequence[str]) -> events.EventPattern:
            return events.EventPattern(source=["aws.glue"], detail_type=["Glue Job State Change"],
                                       detail={"jobName": self.glue_jobs, "state": list(states)})

        failed = events.Rule(
            self,
            "GlueJobFailed",
            rule_name=self.cfg.name(GLUE_JOB_FAILED_RULE),
            description="A SalesLens Glue job run failed, timed out or errored: tell ops",
            event_pattern=pattern(GLUE_FAILED_STATES),
        )
        field = events.EventField.from_path
        failed.add_target(PlainTarget(ops_topic.topic_arn, message=events.RuleTargetInput.from_text(
            f"SalesLens Glue job {field('$.detail.jobName')} run {field('$.detail.jobRunId')} ended "
            f"{field('$.detail.state')} at {field('$.time')} ({field('$.region')}): {field('$.detail.message')} "
            "- the execution that started it fails (ingest: ConformFailed; train-scoring: TrainingFailed); "
            "fix the cause, then redrive it (docs/runbook.md).")))
        succeeded = events.Rule(
            self,
            "GlueJobSucceeded",
            rule_name=self.cfg.name(GLUE_JOB_SUCCEEDED_RULE),
            description="A SalesLens Glue job run succeeded (no target: counted for the dashboard)",
            event_pattern=pattern(("SUCCEEDED",)),
        )
        return failed, succeeded

    # -- dashboard -------------------------------------------------------------------------
    def _dashboard(self) -> cw.Dashboard:
        cfg = self.cfg
        machines = sorted(components.STATE_MACHINES)
        functions = sorted(components.LAMBDAS)
        queue = cfg.name(components.INGEST_QUEUE)

        def per_function(metric: str, statistic: str = SUM) -> List[cw.IMetric]:
            return [self.function_metric(f, metric, statistic, labelled=True) for f in functions]

        rows: List[List[cw.IWidget]] = [
            [cw.TextWidget(width=WIDTH, height=2, markdown=(
                f"# SalesLens {cfg.stage}\n"
                f"Failures reach `{cfg.name(components.OPS_TOPIC)}`; every ingest and curation run is an item "
                f"of `{cfg.name(components.RUN_LEDGER_TABLE)}`. "
                "Failed executions: Step Functions console -> execution -> Redrive."))],
            [cw.GraphWidget(title=f"Executions: {cfg.name(m)}", width=WIDTH // len(machines),
                            left=[self.execution_metric(m, name, labelled=True) for name in EXECUTION_METRICS])
             for m in machines],
            [cw.GraphWidget(title="Rows per published partition (in / clean / quarantined)", width=12,
                            left=[self.emf_metric(name, labelled=True) for name in ROW_METRICS]),
             cw.GraphWidget(title="Quality gate breaches", width=6,
                            left=[self.emf_metric(QUALITY_BREACHES, labelled=True)]),
             cw.GraphWidget(title="Glue job runs", width=6,
                            left=[self.rule_metric(self.cfg.name(GLUE_JOB_SUCCEEDED_RULE), "succeeded"),
                                  self.rule_metric(self.cfg.name(GLUE_JOB_FAILED_RULE), "failed")])],
            [cw.GraphWidget(title="Dead-letter queue depth", width=12,
                            left=[self.queue_metric(q, label=q) for q in self.dead_letter_queues]),
             cw.GraphWidget(title=f"{queue}: waiting events and age of the oldest (s)", width=12,
                            left=[self.queue_metric(queue, label="visible")],
                            right=[self.queue_metric(queue, "ApproximateAgeOfOldestMessage", label="oldest (s)")])],
            self._curation_row(),
            [cw.GraphWidget(title="Lambda errors", width=8, left=per_function("Errors")),
             cw.GraphWidget(title="Lambda throttles", width=8, left=per_function("Throttles")),
             cw.GraphWidget(title="Lambda duration p95 (ms)", width=8, left=per_function("Duration", P95))],
            [cw.AlarmStatusWidget(title="Alarms", width=WIDTH, height=6, alarms=list(self.alarms.values()))],
        ]
        return cw.Dashboard(self, "Dashboard", dashboard_name=cfg.name(DASHBOARD), widgets=rows)

    def _curation_row(self) -> List[cw.IWidget]:
        """Partitions announced to curation, starts EventBridge could not make, and how the
        serialised functions queue: concurrency held and throttles (runs waiting, retried)."""
        rule = self.cfg.name(PARTITION_PUBLISHED_RULE)
        serialised = sorted(k for k, spec in components.LAMBDAS.items() if spec.reserved_concurrency is not None)
        return [
            cw.GraphWidget(title="PartitionPublished: events matched / executions not started", width=12,
                           left=[self.rule_metric(rule, "matched"),
                                 self._metric("AWS/Events", "FailedInvocations", {"RuleName": rule},
                                              label="not started")]),
            cw.GraphWidget(title="Serialised functions: concurrent executions (max) / throttles (retried)", width=12,
                           left=[self.function_metric(f, "ConcurrentExecutions", MAXIMUM, labelled=True)
                                 for f in serialised],
                           right=[self._metric("AWS/Lambda", "Throttles", {"FunctionName": self.cfg.name(f)},
                                               label=f"{f} throttles") for f in serialised]),
        ]




def _unprefixed(cfg: Config, name: str) -> str:
    prefix = f"{cfg.prefix}-"
    return name[len(prefix):] if name.startswith(prefix) else name

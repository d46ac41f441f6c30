"""OfflineAws: start the embedded AWS, provision it from the one config, run the state machines.

Provisioning mirrors the CDK app resource for resource (same names from saleslens.config and
saleslens.components, same ASL files, same handlers and scripts); only what moto cannot host
differs, and each such difference is named where it happens.
"""
from __future__ import annotations

import copy
import io
import json
import logging
import os
import re
import threading
import time
import zipfile
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import boto3
import requests

from saleslens import components
from saleslens.config import PROJECT_ROOT, ZONES, Config, load_config
from saleslens.offline import hooks

log = logging.getLogger("saleslens_offline")

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


class OfflineError(RuntimeError):
    """The embedded AWS could not be started or provisioned."""


def substitute(definition: str, substitutions: Dict[str, str]) -> str:
    """Resolve ${Name} placeholders as Step Functions' DefinitionSubstitutions does; none may remain."""
    missing = sorted(set(_PLACEHOLDER.findall(definition)) - set(substitutions))
    if missing:
        raise OfflineError(f"no substitution for {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: substitutions[m.group(1)], definition)


@dataclass
class ExecutionResult:
    name: str
    arn: str
    status: str
    input: Dict[str, Any]
    output: Optional[Dict[str, Any]]
    error: Optional[str]
    cause: Optional[str]


def keep_moto_config() -> Callable[[], None]:
    """Snapshot moto's user config and return what puts it back. The config is process-global and
    `/moto-api/config` changes it for every later mock in the process (a test that expects moto's
    default of executions left RUNNING would then see them run)."""
    from moto.core.config import default_user_config

    config: Dict[str, Any] = default_user_config  # type: ignore[assignment]  # a TypedDict, mutated as a dict
    saved = copy.deepcopy(dict(config))

    def restore() -> None:
        config.clear()
        config.update(saved)

    return restore


S3_OBJECT_IN_MEMORY_MAX = 1 << 20
# Each object kept on disk holds a file open (53 after an ordinary usv day on top of the day
# before): the soft limit is raised towards this, so that a long history's do not run out of files.
S3_OBJECTS_ON_DISK = 65536


def _allow_open_files(wanted: int) -> None:
    """Raise this process's soft limit of open files towards ``wanted`` (never above the hard limit)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class OfflineAws:
    """Context manager: ``with OfflineAws() as aws: aws.ingest(bucket, key)``."""

    # The functions whose handlers run in a process of their own (offline.lambda_worker): the
    # delivery Map's child, which renders every report, so rendering takes the second core while
    # this process serves the embedded AWS.
    WORKER_FUNCTIONS: Tuple[str, ...] = ("render-report",)
    # Two warm containers of each: the delivery Map's children keep both cores busy, the embedded
    # AWS's process serving their calls meanwhile (in AWS each concurrent child has a container).
    WORKER_PROCESSES = 2

    def __init__(self, cfg: Optional[Config] = None, *, worker_functions: Optional[Sequence[str]] = None,
                 worker_processes: int = WORKER_PROCESSES) -> None:
        self.cfg = cfg or load_config()
        self.worker_functions = tuple(self.WORKER_FUNCTIONS if worker_functions is None else worker_functions)
        # Warm containers per worker function. Each holds its own copy of what the handler reads
        # once per container (a render-report container holds a run's marts, about 0.7 GB at usv),
        # and the ordinary usv day must stay under 4 GB (bench/README.md).
        if worker_processes < 1:
            raise ValueError(f"worker_processes must be at least 1, not {worker_processes}")
        self.worker_processes = worker_processes
        self.account = self.cfg.offline_account
        self.region = self.cfg.region
        self.endpoint = ""
        self._server: Any = None
        self._saved_env: Dict[str, Optional[str]] = {}
        self._restore_moto_config: Optional[Callable[[], None]] = None
        self.athena_engine: Any = None
        self.state_machine_arns: Dict[str, str] = {}
        self.ops_queue_url = ""
        self.ops_topic_arn = ""
        self.curation_queue_url = ""
        self.email_events_topic_arn = ""
        self._status_dispatched: set = set()
        self._link_server: Any = None
        self.link_url = ""  # the open-report function's URL (offline: the local function-URL adapter)
        self.crm: Any = None  # the fake CRM (saleslens.offline.fake_crm) score-opportunity calls
        self.scoring_queue_url = ""
        self.scoring_dlq_url = ""
        self._clients: Dict[Tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> "OfflineAws":
        self.start()
        try:
            self.provision()
        except Exception:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> None:
        from saleslens.offline.malloc import limit_arenas
        from saleslens.offline.moto_server import EmbeddedMotoServer

        limit_arenas()  # before the server's threads
        hooks.install()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = EmbeddedMotoServer(ip_address="127.0.0.1", port=0)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        env = {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint,
            "MOTO_PORT": str(port),  # Step Functions' internal clients call localhost:$MOTO_PORT
            "MOTO_ALLOW_NONEXISTENT_REGION": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            **components.runtime_environment(self.cfg, self.account, self.region),
            "SES_SEND_RATE_PER_SECOND": "0",  # no pacing offline: moto has no sending quota (delivery.pacing)
            # moto keeps an object in memory up to this size and larger ones in an unnamed temporary
            # file (its key buffer, a SpooledTemporaryFile): a usv day's landed files, curated tables
            # and query results, hundreds of MB that are in S3, not in memory, in AWS.
            "MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": str(S3_OBJECT_IN_MEMORY_MAX),
        }
        for key, value in env.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value
        _allow_open_files(S3_OBJECTS_ON_DISK)
        # moto serves no function URLs: the open-report function's is a local adapter, and the
        # links render-report emails point at it (LINK_BASE_URL, the function URL in AWS).
        from saleslens.offline.function_url import FunctionUrlServer, lambda_invoker

        self._link_server = FunctionUrlServer(
            lambda_invoker(self.client("lambda"), self.cfg.name("open-report")), account=self.account)
        self._link_server.start()
        self.link_url = self._link_server.url
        self._saved_env.setdefault("LINK_BASE_URL", os.environ.get("LINK_BASE_URL"))
        os.environ["LINK_BASE_URL"] = self.link_url
        # The CRM is a local HTTP server (empty until load_crm); score-opportunity's settings name
        # it instead of scoring.crm_endpoint, with no backoff wait between retries.
        from saleslens.offline.fake_crm import FakeCrm

        self.crm = FakeCrm().start()
        settings = json.loads(env["SCORING_SETTINGS"])
        settings.update(crm_endpoint=self.crm.url, crm_backoff_seconds=0.0)
        self._saved_env.setdefault("SCORING_SETTINGS", os.environ.get("SCORING_SETTINGS"))
        os.environ["SCORING_SETTINGS"] = json.dumps(settings, sort_keys=True)
        hooks.reset_state()
        from saleslens.offline.lambda_worker import LambdaWorker

        for key in self.worker_functions:  # started once the environment above is in place
            hooks.STATE.workers[self.cfg.name(key)] = LambdaWorker(self.cfg.name(key), self.worker_processes)
        self._restore_moto_config = keep_moto_config()
        # moto's backends are process-global: start every runtime from an empty account.
        requests.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        resp = requests.post(
            f"{self.endpoint}/moto-api/config",
            json={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}},
            timeout=10,
        )
        if resp.status_code not in (200, 201):
            raise OfflineError(f"moto refused its configuration: {resp.status_code} {resp.text[:200]}")

    def stop(self) -> None:
        if self.crm is not None:
            self.crm.stop()
            self.crm = None
        for worker in hooks.STATE.workers.values():
            worker.stop()
        hooks.STATE.workers.clear()
        if self._link_server is not None:
            self._link_server.stop()
            self._link_server = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        if self._restore_moto_config is not None:
            self._restore_moto_config()
            self._restore_moto_config = None
        hooks.STATE.athena = None

    # -- clients -------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """One client per service and endpoint, shared (botocore clients are thread-safe; making
        one costs ~20 ms of CPU, and the runtime asks for thousands in a history load)."""
        key = (service, self.endpoint)
        with self._clients_lock:
            found = self._clients.get(key)
            if found is None:
                found = self._clients[key] = boto3.client(service, endpoint_url=self.endpoint, region_name=self.region)
            return found

    def bucket(self, zone: str) -> str:
        return self.cfg.bucket_name(zone, self.account, self.region)

    # -- provisioning --------------------------------------------------------------------
    def provision(self) -> None:
        from moto.glue.models import glue_backends
        from moto.s3.models import s3_backends

        from saleslens.offline.duck_athena import DuckAthena

        cfg = self.cfg
        kms = self.client("kms")
        key_arn = kms.create_key(Description=f"{cfg.prefix} lake key")["KeyMetadata"]["Arn"]
        s3 = self.client("s3")
        for zone in ZONES:
            name = self.bucket(zone)
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region})
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    k: True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")},
            )
            rule = {"SSEAlgorithm": "AES256"} if zone == "access-logs" else {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
            s3.put_bucket_encryption(
                Bucket=name, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": rule}]}
            )

        sns, sqs = self.client("sns"), self.client("sqs")
        self.ops_topic_arn = sns.create_topic(Name=cfg.name(components.OPS_TOPIC))["TopicArn"]
        # Offline stand-in for the ops mailbox: a queue on the topic that tests and the CLI read.
        self.ops_queue_url = sqs.create_queue(QueueName=cfg.name("ops-inbox"))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.ops_queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=self.ops_topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "false"})
        # Offline stand-in for curation: a queue on the default bus's PartitionPublished events.
        self.curation_queue_url = sqs.create_queue(QueueName=cfg.name("curation-inbox"))["QueueUrl"]
        curation_arn = sqs.get_queue_attributes(QueueUrl=self.curation_queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = self.client("events")
        events.put_rule(Name=cfg.name("partition-published"),
                        EventPattern=json.dumps({"source": ["saleslens.ingest"], "detail-type": ["PartitionPublished"]}))
        events.put_targets(Rule=cfg.name("partition-published"), Targets=[{"Id": "curation-inbox", "Arn": curation_arn}])

        ddb = self.client("dynamodb")
        table = cfg.name(components.DELIVERY_LEDGER_TABLE)
        ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"})
        self._provision_run_ledger(ddb)

        self._provision_links(ddb)

        ses = self.client("ses")
        ses.verify_email_identity(EmailAddress=cfg.distribution.sender)
        ses.create_configuration_set(ConfigurationSet={"Name": cfg.name(components.SES_CONFIGURATION_SET)})

        role_arn = self._role("execution")
        env = components.runtime_environment(cfg, self.account, self.region)
        lam = self.client("lambda")
        stub = io.BytesIO()
        with zipfile.ZipFile(stub, "w") as zf:  # moto needs a package; the hook runs lambdas/ instead
            zf.writestr("README", "offline: handler runs from the project tree")
        for spec in components.LAMBDAS.values():
            lam.create_function(
                FunctionName=cfg.name(spec.key),
                Runtime="python3.11",
                Role=role_arn,
                Handler=f"{spec.module}.handler",
                Code={"ZipFile": stub.getvalue()},
                Timeout=spec.timeout_seconds,
                MemorySize=spec.memory_mb,
                Environment={"Variables": env},
                Description=spec.description,
            )
            if spec.reserved_concurrency is not None:
                lam.put_function_concurrency(FunctionName=cfg.name(spec.key),
                                             ReservedConcurrentExecutions=spec.reserved_concurrency)

        lam.put_function_concurrency(FunctionName=cfg.name("open-report"),
                                     ReservedConcurrentExecutions=cfg.links.max_concurrent_opens)
        # The signing key's rotation, as the CDK app's rotation schedule configures it (the first
        # rotation is not run at once: the secret was created with a random key).
        self.client("secretsmanager").rotate_secret(
            SecretId=cfg.name(components.LINK_SIGNING_SECRET),
            RotationLambdaARN=components.lambda_arn(cfg, "rotate-link-key", self.account, self.region),
            RotationRules={"AutomaticallyAfterDays": cfg.links.key_rotation_days}, RotateImmediately=False)
        self._provision_email_events(ddb, sns, ses)
        self._provision_scoring(ddb, sqs)
        # What the deploy-time step of docs/runbook.md does in AWS, with the credentials from
        # Secrets Manager: one platform application per push platform (moto checks no credential).
        for platform in cfg.distribution.push_platforms:
            sns.create_platform_application(Name=components.push_application_name(cfg, platform), Platform=platform,
                                            Attributes={"PlatformCredential": "offline", "PlatformPrincipal": "offline"})

        glue = self.client("glue")
        for job in components.GLUE_JOBS.values():
            glue.create_job(
                Name=cfg.name(job.key),
                Role=role_arn,
                Command={"Name": "pythonshell", "ScriptLocation": f"s3://{cfg.prefix}-assets/{job.script}", "PythonVersion": "3.9"},
                DefaultArguments=components.glue_default_arguments(cfg, self.account, self.region, job.key),
                ExecutionProperty={"MaxConcurrentRuns": 10},
                MaxCapacity=job.max_capacity,
                Timeout=job.timeout_minutes,
                Description=job.description,
            )
        self._provision_catalog(glue)

        self.athena_engine = DuckAthena(glue_backends[self.account][self.region], s3, s3_backends[self.account]["global"])
        hooks.STATE.athena = self.athena_engine
        self.client("athena").create_work_group(
            Name=cfg.athena_workgroup,
            Configuration={
                "ResultConfiguration": {"OutputLocation": f"s3://{self.bucket('athena-results')}/"},
                "EnforceWorkGroupConfiguration": True,
                "BytesScannedCutoffPerQuery": cfg.athena.bytes_scanned_cutoff_per_query,
            },
        )

        sfn = self.client("stepfunctions")
        for machine in components.STATE_MACHINES.values():
            subs = components.definition_substitutions(
                cfg, machine.key, account=self.account, region=self.region,
                lambda_arn_of=lambda k: components.lambda_arn(cfg, k, self.account, self.region),
                ops_topic_arn=self.ops_topic_arn, offline=True,
            )
            definition = substitute((PROJECT_ROOT / machine.definition).read_text(encoding="utf-8"), subs)
            arn = sfn.create_state_machine(
                name=cfg.name(machine.key), definition=definition, roleArn=self._role(f"sfn-{machine.key}"), type="STANDARD"
            )["stateMachineArn"]
            self.state_machine_arns[machine.key] = arn

        self._apply_views()

    def _provision_links(self, ddb: Any) -> None:
        """The link service's signing secret (a random key, as the CDK app generates it), its
        revocation table and its access log, each with the TTL the CDK app sets."""
        from saleslens.links import access_log, keys, revocation

        cfg = self.cfg
        self.client("secretsmanager").create_secret(
            Name=cfg.name(components.LINK_SIGNING_SECRET), SecretString=keys.new_key_text(),
            Description="HMAC key of the report links")
        revocations = cfg.name(components.LINK_REVOCATION_TABLE)
        ddb.create_table(TableName=revocations, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        ddb.update_time_to_live(TableName=revocations,
                                TimeToLiveSpecification={"Enabled": True, "AttributeName": revocation.TTL_ATTRIBUTE})
        opens = cfg.name(components.LINK_ACCESS_LOG_TABLE)
        ddb.create_table(
            TableName=opens,
            KeySchema=[{"AttributeName": "employee_id", "KeyType": "HASH"}, {"AttributeName": "opened_at", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("employee_id", "opened_at")],
            BillingMode="PAY_PER_REQUEST")
        ddb.update_time_to_live(TableName=opens, TimeToLiveSpecification={"Enabled": True, "AttributeName": access_log.TTL_ATTRIBUTE})

    def rotate_link_key(self) -> None:
        """Rotate the link signing key now, as its schedule does (Secrets Manager runs the rotation
        function's four steps); moto ignores a failing step, so the outcome is checked here."""
        sm = self.client("secretsmanager")
        secret = self.cfg.name(components.LINK_SIGNING_SECRET)
        before = sm.get_secret_value(SecretId=secret)["VersionId"]
        sm.rotate_secret(SecretId=secret, RotateImmediately=True)
        stages = sm.describe_secret(SecretId=secret)["VersionIdsToStages"]
        current = [v for v, st in stages.items() if "AWSCURRENT" in st]
        pending = [v for v, st in stages.items() if "AWSPENDING" in st and "AWSCURRENT" not in st]
        if current == [before] or pending or "AWSPREVIOUS" not in stages.get(before, []):
            raise OfflineError(f"rotating the link signing key did not complete: {stages}")

    def _provision_run_ledger(self, ddb: Any) -> None:
        from saleslens import ledger

        table = self.cfg.name(components.RUN_LEDGER_TABLE)
        ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": ledger.KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in (ledger.KEY, "dataset", "pipeline", "started_at")],
            GlobalSecondaryIndexes=[
                {"IndexName": index,
                 "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"}, {"AttributeName": "started_at", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "ALL"}}
                for index, hash_key in ((ledger.BY_DATASET, "dataset"), (ledger.BY_PIPELINE, "pipeline"))
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": ledger.TTL_ATTRIBUTE})

    def _provision_email_events(self, ddb: Any, sns: Any, ses: Any) -> None:
        """What infra/constructs/email_events.py deploys: the suppression table, the events topic
        with record-email-event subscribed, and the configuration set's event destination."""
        from saleslens.delivery import suppression

        cfg = self.cfg
        table = cfg.name(components.EMAIL_SUPPRESSION_TABLE)
        ddb.create_table(TableName=table, KeySchema=[{"AttributeName": suppression.KEY, "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": suppression.KEY, "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": suppression.TTL_ATTRIBUTE})
        self.email_events_topic_arn = sns.create_topic(Name=cfg.name(components.EMAIL_EVENTS_TOPIC))["TopicArn"]
        sns.subscribe(TopicArn=self.email_events_topic_arn, Protocol="lambda",
                      Endpoint=components.lambda_arn(cfg, "record-email-event", self.account, self.region))
        ses.create_configuration_set_event_destination(
            ConfigurationSetName=cfg.name(components.SES_CONFIGURATION_SET),
            EventDestination={"Name": cfg.name(components.EMAIL_EVENTS_TOPIC), "Enabled": True,
                              "MatchingEventTypes": [e.lower() for e in suppression.PUBLISHED_EVENTS],
                              "SNSDestination": {"TopicARN": self.email_events_topic_arn}})

    def _provision_scoring(self, ddb: Any, sqs: Any) -> None:
        """What infra/constructs/scoring.py deploys: the scores table, the CRM events bus and its
        rule to the scoring queue, the queue's DLQ and redrive policy. The event source mapping
        is ``deliver_scoring_events`` (moto polls no queue for a function)."""
        from saleslens.scoring import events as crm_events
        from saleslens.scoring import store

        cfg = self.cfg
        table = cfg.name(components.OPPORTUNITY_SCORES_TABLE)
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": store.KEY, "KeyType": "HASH"},
                                    {"AttributeName": store.SORT_KEY, "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in (store.KEY, store.SORT_KEY)])
        ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": store.TTL_ATTRIBUTE})
        self.scoring_dlq_url = sqs.create_queue(QueueName=cfg.name(components.SCORING_DLQ))["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=self.scoring_dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(cfg.scoring.queue_max_receive_count)}
        self.scoring_queue_url = sqs.create_queue(QueueName=cfg.name(components.SCORING_QUEUE),
                                                  Attributes={"RedrivePolicy": json.dumps(redrive)})["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.scoring_queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = self.client("events")
        bus = cfg.name(components.CRM_EVENT_BUS)
        events.create_event_bus(Name=bus)
        rule = cfg.name("crm-opportunity-events")
        events.put_rule(Name=rule, EventBusName=bus,
                        EventPattern=json.dumps({"source": [crm_events.SOURCE], "detail-type": [crm_events.DETAIL_TYPE]}))
        events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "scoring-events", "Arn": queue_arn}])

    def load_crm(self, accounts: Any, opportunities: Any, events: Any) -> None:
        """Give the fake CRM its accounts, opportunities and opportunity events (frames)."""
        self.crm.load(accounts, opportunities, events)

    def publish_champion(self, artefact: Any) -> str:
        """Put a model artefact in the curated bucket and make it its model's champion."""
        from saleslens.scoring.service import publish_champion

        return publish_champion(self.client("s3"), self.bucket("curated"), self.cfg.scoring.model_prefix, artefact)

    def emit_crm_events(self, events: List[Any]) -> None:
        """Put CRM events (``scoring.events.CrmEvent``) on the CRM events bus, as the CRM does."""
        from saleslens.scoring.events import envelope

        bus = self.cfg.name(components.CRM_EVENT_BUS)
        entries = [{**envelope(e), "EventBusName": bus} for e in events]
        for i in range(0, len(entries), 10):
            resp = self.client("events").put_events(Entries=entries[i:i + 10])
            if resp.get("FailedEntryCount"):
                raise OfflineError(f"EventBridge refused CRM events: {resp['Entries']}")

    def emit_raw_crm_event(self, detail: Dict[str, Any]) -> None:
        """Put a CRM event with any detail (a malformed one, for the DLQ path)."""
        from saleslens.scoring import events as crm_events

        self.client("events").put_events(Entries=[{"Source": crm_events.SOURCE, "DetailType": crm_events.DETAIL_TYPE,
                                                   "Detail": json.dumps(detail),
                                                   "EventBusName": self.cfg.name(components.CRM_EVENT_BUS)}])

    def deliver_scoring_events(self, *, max_rounds: Optional[int] = None) -> Dict[str, int]:
        """The SQS event source of score-opportunity: receive the scoring queue's messages in
        batches of 10, invoke the function with them, delete those it did not report as failed.
        A failed one is received again at once (offline the visibility timeout is 0) until SQS's
        redrive policy moves it to the DLQ after scoring.queue_max_receive_count receives.
        Returns counts: batches, messages received, failed (messages returned to the queue) and
        errors (invocations that failed whole)."""
        sqs, lam = self.client("sqs"), self.client("lambda")
        arn = f"arn:aws:sqs:{self.region}:{self.account}:{self.cfg.name(components.SCORING_QUEUE)}"
        counts = {"batches": 0, "messages": 0, "failed": 0, "errors": 0}
        rounds = max_rounds or self.cfg.scoring.queue_max_receive_count + 2
        for _ in range(rounds):
            msgs = sqs.receive_message(QueueUrl=self.scoring_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                       AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
            if not msgs:
                break
            records = [{
                "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": self.region,
            } for m in msgs]
            resp = lam.invoke(FunctionName=self.cfg.name("score-opportunity"), Payload=json.dumps({"Records": records}).encode())
            body = json.loads(resp["Payload"].read() or b"{}")
            if resp.get("FunctionError"):
                # As the event source does in AWS: a failed invocation returns the whole batch to
                # the queue (Powertools fails it so when every record failed).
                failed = {m["MessageId"] for m in msgs}
                counts["errors"] += 1
                log.info("score-opportunity failed a batch: %s", str(body.get("errorMessage"))[:300])
            else:
                failed = {f["itemIdentifier"] for f in body.get("batchItemFailures", [])}
            counts["batches"] += 1
            counts["messages"] += len(msgs)
            counts["failed"] += len(failed)
            for m in msgs:
                if m["MessageId"] not in failed:
                    sqs.delete_message(QueueUrl=self.scoring_queue_url, ReceiptHandle=m["ReceiptHandle"])
        return counts

    def scoring_dead_letters(self) -> List[Dict[str, Any]]:
        """Drain the scoring DLQ: each message's body (JSON when it is) and its reason attribute."""
        sqs = self.client("sqs")
        out: List[Dict[str, Any]] = []
        while True:
            msgs = sqs.receive_message(QueueUrl=self.scoring_dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                       MessageAttributeNames=["All"]).get("Messages", [])
            if not msgs:
                return out
            for m in msgs:
                try:
                    body: Any = json.loads(m["Body"])
                except json.JSONDecodeError:
                    body = m["Body"]
                reason = (m.get("MessageAttributes") or {}).get("reason", {}).get("StringValue")
                out.append({"reason": reason, "body": body})
                sqs.delete_message(QueueUrl=self.scoring_dlq_url, ReceiptHandle=m["ReceiptHandle"])

    def _role(self, name: str) -> str:
        iam = self.client("iam")
        services = ["lambda.amazonaws.com", "glue.amazonaws.com", "states.amazonaws.com"]
        trust = {"Version": "2012-10-17",
                 "Statement": [{"Effect": "Allow", "Principal": {"Service": services}, "Action": "sts:AssumeRole"}]}
        role_name = self.cfg.name(name)
        try:
            return iam.get_role(RoleName=role_name)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            return iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

    def _provision_catalog(self, glue: Any) -> None:
        from saleslens.contracts import DATASETS
        from saleslens.contracts.ddl import glue_table_input
        from saleslens.curate import tables as curated

        glue.create_database(DatabaseInput={"Name": self.cfg.glue_database})
        for dataset in DATASETS.values():
            location = f"s3://{self.bucket('clean')}/{dataset.clean_prefix()}"
            glue.create_table(DatabaseName=self.cfg.glue_database, TableInput=glue_table_input(dataset, location))
        for table in curated.TABLES.values():
            location = f"s3://{self.bucket('curated')}/{table.prefix}"
            glue.create_table(DatabaseName=self.cfg.glue_database, TableInput=curated.glue_table_input(table, location))

    def _apply_views(self) -> None:
        """What the CDK custom resource does on deploy: run athena_sql/ through Athena."""
        payload = {"RequestType": "Create", "ResourceProperties": {}}
        resp = self.client("lambda").invoke(FunctionName=self.cfg.name("apply-views"), Payload=json.dumps(payload).encode())
        body = json.loads(resp["Payload"].read() or b"{}")
        if resp.get("FunctionError"):
            raise OfflineError(f"applying the Athena views failed: {body.get('errorType')}: {body.get('errorMessage')}")

    # -- running -------------------------------------------------------------------------
    def start_execution(self, machine: str, name: str, payload: Dict[str, Any]) -> str:
        sfn = self.client("stepfunctions")
        return sfn.start_execution(
            stateMachineArn=self.state_machine_arns[machine], name=name, input=json.dumps(payload)
        )["executionArn"]

    def wait(self, execution_arn: str, timeout: float = 300.0) -> ExecutionResult:
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            # woken by the hook the moment moto records the outcome; DescribeExecution every
            # second is only the fallback for an end the hook does not see (a stopped execution)
            hooks.execution_ended(execution_arn, timeout=1.0)
            d = sfn.describe_execution(executionArn=execution_arn)
            if d["status"] in _TERMINAL:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {execution_arn} still {d['status']} after {timeout:.0f}s")
        self._dispatch_status_change(d)
        return ExecutionResult(
            name=d["name"],
            arn=execution_arn,
            status=d["status"],
            input=json.loads(d.get("input") or "{}"),
            output=json.loads(d["output"]) if d.get("output") else None,
            error=d.get("error"),
            cause=d.get("cause"),
        )

    def _dispatch_status_change(self, d: Dict[str, Any]) -> None:
        """Deliver the execution's "Step Functions Execution Status Change" event to the
        execution-status rule's target, as EventBridge does in AWS for a bad end (moto emits none)."""
        from saleslens.execution_status import BAD_ENDS

        if d["status"] not in BAD_ENDS or d["executionArn"] in self._status_dispatched:
            return
        self._status_dispatched.add(d["executionArn"])
        millis = lambda t: int(t.timestamp() * 1000) if t else None  # noqa: E731
        event = {
            "version": "0", "id": f"offline-{time.monotonic_ns()}", "source": "aws.states",
            "detail-type": "Step Functions Execution Status Change", "account": self.account, "region": self.region,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "resources": [d["executionArn"]],
            "detail": {"executionArn": d["executionArn"], "stateMachineArn": d["stateMachineArn"], "name": d["name"],
                       "status": d["status"], "startDate": millis(d.get("startDate")), "stopDate": millis(d.get("stopDate")),
                       "input": d.get("input"), "output": d.get("output"), "error": d.get("error"), "cause": d.get("cause")},
        }
        resp = self.client("lambda").invoke(FunctionName=self.cfg.name("record-execution-status"),
                                            Payload=json.dumps(event).encode())
        if resp.get("FunctionError"):
            raise OfflineError(f"record-execution-status failed on {d['name']}: {resp['Payload'].read()[:500]!r}")

    def history(self, execution_arn: str) -> List[Dict[str, Any]]:
        """The execution's events. A Distributed Map's children are executions of their own in AWS,
        absent from this history: see map_runs."""
        sfn = self.client("stepfunctions")
        events: List[Dict[str, Any]] = []
        kwargs: Dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def map_runs(self, execution_arn: str) -> List[hooks.MapRun]:
        """The Distributed Map runs of an execution, each with its children's inputs and events
        (in AWS each child is an execution of its own; moto keeps none, the hooks keep these)."""
        with hooks.STATE.lock:
            return [r for r in hooks.STATE.map_runs if r.execution_arn == execution_arn]

    def put_landing_file(self, key: str, body: bytes) -> Dict[str, Any]:
        """Land a file; returns its bucket, key, etag and size (what its S3 event carries)."""
        s3 = self.client("s3")
        bucket = self.bucket("landing")
        put = s3.put_object(Bucket=bucket, Key=key, Body=body)
        return {"bucket": bucket, "key": key, "etag": put["ETag"].strip('"'), "size": len(body)}

    def deliver_landing_event(self, landed: Dict[str, Any], *, received_at: Optional[str] = None) -> str:
        """Deliver the S3 event of a landed object to start-ingest, as EventBridge -> SQS does.

        Returns the name of the execution the object maps to (started now, or already running
        or finished for a re-delivered event).
        """
        from saleslens.ingest.trigger import ingest_start, s3_object_created_event

        when = received_at or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        event = s3_object_created_event(landed["bucket"], landed["key"], landed["etag"], landed["size"], time=when)
        record = {
            "messageId": f"offline-{time.monotonic_ns()}", "receiptHandle": "offline", "body": json.dumps(event),
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000)),
                           "SenderId": "events.amazonaws.com", "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000))},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{self.region}:{self.account}:{self.cfg.name(components.INGEST_QUEUE)}",
            "awsRegion": self.region,
        }
        resp = self.client("lambda").invoke(FunctionName=self.cfg.name("start-ingest"), Payload=json.dumps({"Records": [record]}).encode())
        body = json.loads(resp["Payload"].read() or b"{}")
        if resp.get("FunctionError") or body.get("batchItemFailures"):
            raise OfflineError(f"start-ingest refused the landing event of {landed['key']}: {body}")
        return ingest_start(event, ttl_days=self.cfg.ingest.ledger_ttl_days).name

    def execution_arn(self, machine: str, name: str) -> str:
        return f"{self.state_machine_arns[machine].replace(':stateMachine:', ':execution:')}:{name}"

    def ingest(self, landed: Dict[str, Any], *, received_at: Optional[str] = None) -> ExecutionResult:
        """Land-event delivery and wait: the path a file takes in AWS after it is written."""
        name = self.deliver_landing_event(landed, received_at=received_at)
        return self.wait(self.execution_arn("ingest", name))

    def distribute(self, run_date: Union[date, str], cadence: str, name: Optional[str] = None,
                   scheduled_time: Optional[str] = None) -> ExecutionResult:
        """Start the distribution machine as a schedule does and wait. ``run_date`` "auto" (the
        schedules' input) leaves the date to PlanRun: the main country's previous business day
        before ``scheduled_time`` (default: now)."""
        day = run_date.isoformat() if isinstance(run_date, date) else run_date
        payload = {"run_date": day, "cadence": cadence}
        if scheduled_time is not None:
            payload["scheduled_time"] = scheduled_time
        name = name or f"{cadence}-{day}-{int(time.time() * 1000)}"
        return self.wait(self.start_execution("distribute", name, payload), timeout=900)

    def forecast(self, origin: Union[date, str] = "auto", name: Optional[str] = None) -> ExecutionResult:
        """Start the forecast machine as its schedule does (origin "auto": the last month end before
        today) or for one month end, and wait."""
        value = origin.isoformat() if isinstance(origin, date) else origin
        name = name or f"forecast-{value}-{int(time.time() * 1000)}"
        return self.wait(self.start_execution("forecast", name, {"origin": value}), timeout=900)

    def _drain(self, queue_url: str) -> List[Dict[str, Any]]:
        """Receive and delete every message waiting in an offline inbox queue; their bodies."""
        sqs = self.client("sqs")
        bodies: List[Dict[str, Any]] = []
        while True:
            msgs = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not msgs:
                return bodies
            for m in msgs:
                bodies.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])

    def ops_messages(self) -> List[Dict[str, Any]]:
        """Drain the ops inbox: each SNS notification's subject, message and attributes."""
        return [
            {"subject": n.get("Subject"), "message": n.get("Message"), "attributes": n.get("MessageAttributes", {})}
            for n in self._drain(self.ops_queue_url)
        ]

    def published_partitions(self) -> List[Dict[str, Any]]:
        """Drain the curation inbox: the detail of each PartitionPublished event."""
        return [e["detail"] for e in self._drain(self.curation_queue_url)]

    def curate(self, detail: Dict[str, Any]) -> ExecutionResult:
        """Start the curate state machine on one PartitionPublished event's detail and wait.

        In AWS the EventBridge rule starts it (input: the event's detail) under a generated name;
        offline the execution is named after the ingest run it follows.
        """
        name = f"c-{detail['run_id']}"[:80]
        return self.wait(self.start_execution("curate", name, detail), timeout=900)

    def curate_published(self) -> List[ExecutionResult]:
        """Curate every partition published since the last call, in the order they were announced."""
        return [self.curate(detail) for detail in self.published_partitions()]

    def train_scoring(self, as_of: str, name: Optional[str] = None) -> ExecutionResult:
        """Start the train-scoring machine as its weekly schedule does (input ``{"as_of": <the fire
        time>}``: here the instant given, ISO) and wait; the Glue job runs glue_jobs/train_scoring.py."""
        from saleslens.scoring.schedule import training_input

        name = name or f"train-{re.sub(r'[^0-9A-Za-z-]', '', as_of)}-{int(time.time() * 1000)}"
        return self.wait(self.start_execution("train-scoring", name, training_input(as_of)), timeout=900)

    def ledger(self, run_id: str) -> Optional[Dict[str, Any]]:
        from saleslens.ledger import get_run

        return get_run(self.client("dynamodb"), self.cfg.name(components.RUN_LEDGER_TABLE), run_id)

    def sent_emails(self) -> Iterator[Dict[str, Any]]:
        from moto.ses.models import ses_backends

        for msg in ses_backends[self.account][self.region].sent_messages:
            raw = getattr(msg, "raw_data", None)
            yield {"id": msg.id, "source": msg.source, "destinations": msg.destinations, "raw": raw}

    def inject_email_event(self, notification: Dict[str, Any]) -> None:
        """Publish an SES event notification (SES's JSON: eventType Bounce / Complaint / ...) to the
        configuration set's topic, as SES does in AWS (moto's SES sends none); record-email-event
        runs as its subscriber. Raises OfflineError when the handler failed on it."""
        from saleslens.offline import sns_lambda

        sns_lambda.take_failures()
        self.client("sns").publish(TopicArn=self.email_events_topic_arn, Message=json.dumps(notification))
        failed = sns_lambda.take_failures()
        if failed:
            raise OfflineError(f"record-email-event failed on the injected event: {'; '.join(failed)}")

    def inject_bounce(self, email: str, *, message_id: str = "offline-message", bounce_type: str = "Permanent") -> None:
        """A bounce of ``email`` as SES publishes it through a configuration set."""
        self.inject_email_event(ses_event("Bounce", email, message_id=message_id, sender=self.cfg.distribution.sender,
                                          bounce_type=bounce_type))

    def inject_complaint(self, email: str, *, message_id: str = "offline-message") -> None:
        self.inject_email_event(ses_event("Complaint", email, message_id=message_id, sender=self.cfg.distribution.sender))

    def sent_pushes(self) -> Iterator[Dict[str, Any]]:
        """Every notification SNS accepted for a platform endpoint (moto keeps them on the endpoint)."""
        from moto.sns.models import sns_backends

        backend = sns_backends[self.account][self.region]
        for endpoint in backend.platform_endpoints.values():
            for message_id, message in endpoint.messages.items():
                yield {"id": message_id, "platform": endpoint.application.platform, "application": endpoint.application.name,
                       "endpoint": endpoint.arn, "token": endpoint.token, "message": json.loads(message)}

    def inject_glue_failures(self, job_key: str, *messages: str) -> None:
        """The next len(messages) runs of the job fail with these messages (infrastructure faults)."""
        with hooks.STATE.lock:
            hooks.STATE.glue_failures.setdefault(self.cfg.name(job_key), []).extend(messages)

    def inject_service_faults(self, action: str, times: int = 1) -> None:
        """The next ``times`` calls of ``action`` (hooks.SERVICE_FAULTS) fail as the service would."""
        if action not in hooks.SERVICE_FAULTS:
            raise OfflineError(f"cannot inject faults into {action!r}; one of {', '.join(hooks.SERVICE_FAULTS)}")
        with hooks.STATE.lock:
            hooks.STATE.service_faults[action] = hooks.STATE.service_faults.get(action, 0) + times

    def inject_lambda_faults(self, function_key: str, *error_types: str) -> None:
        """The next invocations of the function fail as the Lambda service would (e.g. throttling)."""
        with hooks.STATE.lock:
            hooks.STATE.lambda_faults.setdefault(self.cfg.name(function_key), []).extend(error_types)


def ses_event(kind: str, email: str, *, message_id: str, sender: str, bounce_type: str = "Permanent") -> Dict[str, Any]:
    """An SES event-publishing notification (SES developer guide, "Contents of event data that
    Amazon SES publishes to Amazon SNS") for one recipient: Bounce or Complaint."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    mail = {"timestamp": now, "source": sender, "messageId": message_id, "destination": [email]}
    if kind == "Bounce":
        sub = "General" if bounce_type == "Permanent" else "MailboxFull"
        return {"eventType": "Bounce", "mail": mail,
                "bounce": {"bounceType": bounce_type, "bounceSubType": sub, "timestamp": now, "feedbackId": f"offline-{message_id}",
                           "bouncedRecipients": [{"emailAddress": email, "action": "failed", "status": "5.1.1",
                                                  "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}}
    if kind == "Complaint":
        return {"eventType": "Complaint", "mail": mail,
                "complaint": {"timestamp": now, "feedbackId": f"offline-{message_id}", "complaintFeedbackType": "abuse",
                              "complainedRecipients": [{"emailAddress": email}]}}
    raise OfflineError(f"no offline SES event of type {kind!r}: Bounce or Complaint")

"""StartIngest: landing events (EventBridge -> SQS) -> one ingest execution per object version.

The execution name comes from the object, so a re-delivered event cannot start a second run:
Step Functions refuses the name and the duplicate is acknowledged.
"""
from __future__ import annotations

import json
from typing import Any, Dict

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lambdas._runtime import client, env, logger, metrics, tracer
from saleslens.ingest.trigger import ingest_start

processor = BatchProcessor(event_type=EventType.SQS)


def _start(record: SQSRecord) -> Dict[str, Any]:
    start = ingest_start(json.loads(record.body), ttl_days=int(env("LEDGER_TTL_DAYS")))
    sfn = client("stepfunctions")
    try:
        sfn.start_execution(stateMachineArn=env("INGEST_STATE_MACHINE_ARN"), name=start.name, input=json.dumps(start.input))
        logger.info("ingest started", extra={"execution": start.name, "object_key": start.input["key"]})
        metrics.add_metric(name="IngestStarted", unit="Count", value=1)
        return {"execution": start.name, "started": True}
    except sfn.exceptions.ExecutionAlreadyExists:
        logger.info("duplicate delivery ignored", extra={"execution": start.name, "object_key": start.input["key"]})
        metrics.add_metric(name="DuplicateDeliveries", unit="Count", value=1)
        return {"execution": start.name, "started": False}


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    return process_partial_response(event=event, record_handler=_start, processor=processor, context=context)

"""ScoreOpportunity: CRM opportunity events (EventBridge -> SQS) -> a score written back to the CRM
and stored (saleslens.scoring.service).

A bad event (malformed, missing fields, unknown opportunity, stale version) can never score: it is
sent to the dead-letter queue with its reason and acknowledged, never retried. Any other failure
(the CRM down after the adapter's retries, no champion yet) is a batch item failure: SQS
redelivers it and, after the queue's maxReceiveCount, moves it to the same DLQ. Logs carry ids,
reasons and scores, never the factors' values.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lambdas._runtime import client, env, logger, metrics, tracer
from saleslens.scoring import service
from saleslens.scoring.crm import CrmClient
from saleslens.scoring.events import BadEventError

processor = BatchProcessor(event_type=EventType.SQS)


@lru_cache(maxsize=1)
def _deps() -> service.Deps:
    settings = service.ScoringSettings.from_env()
    return service.Deps(crm=CrmClient(settings.crm_endpoint, settings.retry_policy()), s3=client("s3"),
                        ddb=client("dynamodb"), models_bucket=env("CURATED_BUCKET"),
                        scores_table=env("OPPORTUNITY_SCORES_TABLE"), settings=settings)


@lru_cache(maxsize=1)
def _dlq_url() -> str:
    return str(client("sqs").get_queue_url(QueueName=env("SCORING_DLQ"))["QueueUrl"])


def _score(record: SQSRecord) -> Dict[str, Any]:
    try:
        outcome = service.process_body(record.body, _deps())
    except BadEventError as exc:
        service.dead_letter(client("sqs"), _dlq_url(), record.body, exc)
        logger.warning("event rejected to the DLQ", extra={"message_id": record.message_id, "reason": exc.reason,
                                                           "detail": str(exc)})
        metrics.add_metric(name="ScoringEventsRejected", unit="Count", value=1)
        return {"status": "rejected", "reason": exc.reason}
    r = outcome.record
    logger.info("opportunity scored", extra={"opportunity_id": r.opportunity_id, "version": r.opportunity_version,
                                             "status": outcome.status, "model_version": r.model_version,
                                             "basis": r.basis, "score": r.score})
    metrics.add_metric(name="OpportunitiesScored" if outcome.status == "scored" else "DuplicateScoringEvents",
                       unit="Count", value=1)
    return {"status": outcome.status, "opportunity_id": r.opportunity_id, "score": r.score}


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    return process_partial_response(event=event, record_handler=_score, processor=processor, context=context)

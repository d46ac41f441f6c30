"""`arn:aws:states:::athena:startQueryExecution.sync` for moto's interpreter, which rejects it.

Modelled on moto's own Glue integration: start the query through the Athena API, then poll
GetQueryExecution until a terminal state; FAILED/CANCELLED raise States.TaskFailed with the
query execution as the cause, as AWS does.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Final, Optional, Set, cast

from botocore.exceptions import ClientError
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
    StateTaskServiceCallback,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for

# moto declares the conditions as plain str attributes of ResourceCondition (a str subclass).
_PATTERNS: Final[Set[ResourceCondition]] = {cast(ResourceCondition, ResourceCondition.Sync),
                                            cast(ResourceCondition, ResourceCondition.WaitForTaskToken)}
_PARAMS: Final[Set[str]] = {
    "QueryString",
    "ClientRequestToken",
    "QueryExecutionContext",
    "ResultConfiguration",
    "WorkGroup",
    "ExecutionParameters",
    "ResultReuseConfiguration",
}
_TERMINAL_FAILED: Final[Set[str]] = {"FAILED", "CANCELLED"}


class StateTaskServiceAthena(StateTaskServiceCallback):
    def __init__(self) -> None:
        super().__init__(supported_integration_patterns=_PATTERNS)

    def _eval_sync(self, env: Any, sync_resolver: Any, timeout_seconds: Any, callback_endpoint: Any, heartbeat_endpoint: Any) -> Any:
        # .sync polls the query; listening for a task token would read as a timeout on retries.
        return super()._eval_sync(env, sync_resolver, timeout_seconds, None, heartbeat_endpoint)

    def _get_supported_parameters(self) -> Optional[Set[str]]:
        return _PARAMS if self.resource.api_action.lower() == "startqueryexecution" else None

    def _client(self, resource_runtime_part: Any, credentials: Any) -> Any:
        return boto_client_for(service="athena", region=resource_runtime_part.region, state_credentials=credentials)

    def _from_error(self, env: Any, ex: Exception) -> FailureEvent:
        if isinstance(ex, ClientError):
            name = f"Athena.{ex.response['Error']['Code']}"
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(name),
                event_type=HistoryEventType.TaskFailed,
                # moto declares EventDetails total, yet every event (moto's own too) carries one key.
                event_details=EventDetails(  # type: ignore[typeddict-item]
                    taskFailedEventDetails=TaskFailedEventDetails(
                        error=name,
                        cause=ex.response["Error"]["Message"],
                        resource=self._get_sfn_resource(),
                        resourceType=self._get_sfn_resource_type(),
                    )
                ),
            )
        return super()._from_error(env=env, ex=ex)

    def _eval_service_task(self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any) -> None:
        if self.resource.api_action.lower() != "startqueryexecution":
            raise ValueError(f"unsupported athena action {self.resource.api_action!r}")
        response = self._client(resource_runtime_part, state_credentials).start_query_execution(**normalised_parameters)
        response.pop("ResponseMetadata", None)
        env.stack.append(response)

    def _build_sync_resolver(self, env: Any, resource_runtime_part: Any, normalised_parameters: dict,
                             state_credentials: Any) -> Callable[[], Any]:
        started = env.stack.pop()
        query_id = started["QueryExecutionId"]
        client = self._client(resource_runtime_part, state_credentials)

        def resolver() -> Any:
            response = client.get_query_execution(QueryExecutionId=query_id)
            response.pop("ResponseMetadata", None)
            state = response["QueryExecution"]["Status"]["State"]
            if state in ("QUEUED", "RUNNING"):
                return None
            safe = json.loads(json.dumps(response, default=str))
            if state in _TERMINAL_FAILED:
                raise FailureEventException(
                    FailureEvent(
                        env=env,
                        error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                        event_type=HistoryEventType.TaskFailed,
                        # moto declares EventDetails total, yet every event carries one key.
                        event_details=EventDetails(  # type: ignore[typeddict-item]
                            taskFailedEventDetails=TaskFailedEventDetails(
                                resource=self._get_sfn_resource(),
                                resourceType=self._get_sfn_resource_type(),
                                error=StatesErrorNameType.StatesTaskFailed.to_name(),
                                cause=json.dumps(safe),
                            )
                        ),
                    )
                )
            return safe

        return resolver

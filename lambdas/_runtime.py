"""What every handler shares: Powertools objects, AWS clients, and the event field check."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Dict, Iterable

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer

from saleslens.logmask import PiiMaskingFormatter

# Personal data (names, emails, phone numbers) is masked in every line the handlers log.
logger = Logger(logger_formatter=PiiMaskingFormatter())
tracer = Tracer()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "SalesLens"))


class InvalidEventError(ValueError):
    """The event lacks a field the handler needs, or a field has the wrong type."""


def require(event: Dict[str, Any], fields: Iterable[str]) -> Dict[str, Any]:
    if not isinstance(event, dict):
        raise InvalidEventError(f"event must be an object, got {type(event).__name__}")
    missing = [f for f in fields if not isinstance(event.get(f), str) or not event.get(f)]
    if missing:
        raise InvalidEventError(f"event is missing string field(s): {', '.join(missing)}")
    return event


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    return boto3.client(service)

"""OpenReport: the link service behind a function URL (auth NONE: the signed token is the
credential). Checks the link and redirects to a presigned URL of the report, or answers 403
"This link has expired or is not valid"; a POST asks for a fresh link (saleslens.links.service)."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Dict

import boto3
from botocore.config import Config

from lambdas._runtime import client, env, logger, tracer
from saleslens.links import keys
from saleslens.links.service import LinkService, parse_request
from saleslens.links.settings import from_environment


@lru_cache(maxsize=1)
def _key_ring() -> keys.KeyRing:
    secret = env("LINK_SIGNING_SECRET")
    return keys.KeyRing(lambda: keys.verification_keys(client("secretsmanager"), secret))


@lru_cache(maxsize=1)
def _s3_sigv4() -> Any:
    """Presigned URLs signed with SigV4 (the query carries X-Amz-Expires), whatever the region's default."""
    return boto3.client("s3", config=Config(signature_version="s3v4"))


def _service(event: Dict[str, Any]) -> LinkService:
    # The links this function emails point at itself: its own URL unless the environment names one.
    base = os.environ.get("LINK_BASE_URL") or f"https://{(event.get('requestContext') or {}).get('domainName', '')}/"
    secret = env("LINK_SIGNING_SECRET")
    return LinkService(s3=_s3_sigv4(), ddb=client("dynamodb"), ses=client("ses"), keys=_key_ring(),
                       signing_key=lambda: keys.signing_key(client("secretsmanager"), secret),
                       settings=from_environment(env, base_url=base))


@logger.inject_lambda_context(log_event=False, clear_state=True)  # the event carries the token: never logged
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    request = parse_request(event)
    response = _service(event).handle(request)
    logger.info("link request", extra={"method": request.method, "status": response.status})
    return response.as_function_url()

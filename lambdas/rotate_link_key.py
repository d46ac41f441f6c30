"""RotateLinkKey: the rotation function of the link signing secret (Secrets Manager calls it
with each step: createSecret, setSecret, testSecret, finishSecret; saleslens.links.keys.rotate)."""
from __future__ import annotations

from typing import Any, Dict

from lambdas._runtime import client, env, logger, require, tracer
from saleslens.links.keys import names_secret, rotate


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> None:
    require(event, ("SecretId", "ClientRequestToken", "Step"))
    if not names_secret(event["SecretId"], env("LINK_SIGNING_SECRET")):
        raise ValueError("this function rotates the link signing secret only")
    rotate(client("secretsmanager"), secret_id=event["SecretId"], token=event["ClientRequestToken"], step=event["Step"])
    logger.info("link signing key rotation step done", extra={"step": event["Step"]})

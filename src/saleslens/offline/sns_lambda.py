"""SNS -> Lambda subscriptions offline: moto hands a message for a ``lambda`` subscription to its
Docker invoker, with a canned event. This hook runs the function's real handler in-process
(through the same Lambda hook as every other invocation) with the event SNS sends in AWS: one
record carrying the topic ARN, message id, subject, message and attributes.

SNS invokes Lambda asynchronously; AWS retries a failed invocation and then drops it (or sends it
to a destination). Offline a failure is kept in ``FAILURES`` so the caller that published can
raise it: a broken handler never passes unseen.
"""
from __future__ import annotations

import json
import threading
import time
from typing import Any, Dict, List, Optional

FAILURES: List[str] = []
_LOCK = threading.Lock()
_installed = False


def sns_lambda_event(subscription_arn: str, topic_arn: str, message_id: str, message: str,
                     subject: Optional[str], attributes: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The event SNS delivers to a subscribed function (AWS Lambda developer guide, "Using Lambda with Amazon SNS")."""
    return {"Records": [{
        "EventVersion": "1.0", "EventSubscriptionArn": subscription_arn, "EventSource": "aws:sns",
        "Sns": {"Type": "Notification", "MessageId": message_id, "TopicArn": topic_arn, "Subject": subject,
                "Message": message, "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                "SignatureVersion": "1", "Signature": "offline", "SigningCertUrl": "offline", "UnsubscribeUrl": "offline",
                "MessageAttributes": {k: {"Type": v.get("DataType", "String"), "Value": v.get("StringValue")}
                                      for k, v in (attributes or {}).items()}},
    }]}


def install() -> None:
    global _installed
    with _LOCK:
        if _installed:
            return
        from moto.awslambda.utils import get_backend
        from moto.sns.models import Subscription

        original = Subscription.publish

        def publish(self: Any, message: str, message_id: str, subject: Optional[str] = None,
                    message_attributes: Optional[Dict[str, Any]] = None, *args: Any, **kwargs: Any) -> None:
            if self.protocol != "lambda":
                return original(self, message, message_id, subject, message_attributes, *args, **kwargs)
            if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(message_attributes, message):
                return None
            parts = self.endpoint.split(":")  # arn:<partition>:lambda:<region>:<account>:function:<name>
            region, name = parts[3], parts[6]
            event = sns_lambda_event(self.arn, self.topic.arn, message_id, message, subject, message_attributes)
            headers: Dict[str, str] = {}
            body = get_backend(self.account_id, region).invoke(name, None, json.dumps(event), {"x-amz-invocation-type": "Event"}, headers)
            if headers.get("x-amz-function-error"):
                with _LOCK:
                    FAILURES.append(f"{name}: {(body or b'')[:300]!r}")
            return None

        Subscription.publish = publish  # type: ignore[method-assign]
        _installed = True


def take_failures() -> List[str]:
    with _LOCK:
        out = list(FAILURES)
        FAILURES.clear()
    return out

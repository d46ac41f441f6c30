"""SNS mobile push offline: moto keeps an endpoint's CustomUserData beside its attributes, so
GetEndpointAttributes never returns it; SNS does. This hook puts it among the attributes at
CreatePlatformEndpoint (what saleslens.delivery.push reads back to tell whether the registry row
changed since the endpoint was disabled). And moto's CreatePlatformEndpoint is not safe under
concurrent calls (it iterates over every endpoint while another request adds one: "dictionary
changed size during iteration", a failed delivery); SNS's is atomic per token, so the hook runs
one at a time."""
from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.Lock()
_CREATE_LOCK = threading.Lock()  # one CreatePlatformEndpoint at a time in the process's moto
_installed = False


def install() -> None:
    global _installed
    with _LOCK:
        if _installed:
            return
        from moto.sns.models import SNSBackend

        original = SNSBackend.create_platform_endpoint

        def create_platform_endpoint(self: Any, application: Any, custom_user_data: str, token: str,
                                     attributes: Any) -> Any:
            with _CREATE_LOCK:
                endpoint = original(self, application, custom_user_data, token, attributes)
                if custom_user_data and "CustomUserData" not in endpoint.attributes:
                    endpoint.attributes["CustomUserData"] = custom_user_data
                return endpoint

        SNSBackend.create_platform_endpoint = create_platform_endpoint  # type: ignore[method-assign]
        _installed = True

"""Tablet push: after a report email is sent, a short notification with the same link goes to each
device the recipient registered (the ``mdm_devices`` registry's snapshot in force on the run
date), through SNS mobile push.

Per device: the platform endpoint is created, or found again (CreatePlatformEndpoint is
idempotent on the token and attributes; when SNS answers that the endpoint exists with other
attributes, its ARN is taken from that answer and its attributes are read). The endpoint's
``CustomUserData`` holds the registry's ``updated_date`` last applied to it (a date, nothing
personal). Its ARN is then kept (``Endpoint``: in the delivery ledger, saleslens.delivery.ledger,
under ``endpoint_id``, with that date), so that the next report to the device is one Publish: the
endpoint is created or found again only when the registry row changed since (another
``updated_date``), when nothing is kept, or when SNS says the kept endpoint no longer exists.
What becomes of a device is one of:

- ``pushed``: SNS accepted the notification;
- ``skipped-device_disabled``: the registry says the person turned report notifications off there;
- ``skipped-endpoint_disabled``: Apple or Google told SNS the token no longer works, and the
  device has not registered again since (a registry ``updated_date`` later than the one the
  endpoint holds re-enables the endpoint: SetEndpointAttributes Enabled=true);
- ``skipped-endpoint_missing``: the endpoint was deleted between creating and publishing;
- ``skipped-no_platform_application``: this deployment has no platform application for the
  device's platform (not in ``distribution.push_platforms``, or not created in SNS);
- ``failed-<error code>``: any other error of SNS.

None is retried: a push never fails the delivery (the email has been sent; a retry would send it
again), and a skipped device is skipped again on the next run until its registry row changes.
The outcomes of one invocation's devices go in one file once its batch is done,
``runs/<run id>/push/<batch>-<request id>.json``: a JSON list of ``{position_id, employee_id,
device, outcome}`` where ``device`` is the platform and a digest of the token (ids only). Each
invocation writes its own (a retried or redriven batch pushes only to the people it emails, and
adds its file beside the first attempt's); an invocation that crashes before the end of its batch
leaves its devices' outcomes unrecorded, as it leaves its recipients' (counted failed).
"""
from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import pyarrow.parquet as pq

from saleslens.contracts.mdm import DEVICES

PUSHED = "pushed"
SKIPPED, FAILED = "skipped", "failed"
DEVICE_DISABLED = "device_disabled"
ENDPOINT_DISABLED = "endpoint_disabled"
ENDPOINT_MISSING = "endpoint_missing"
NO_APPLICATION = "no_platform_application"
ERASED = "[erased]"  # saleslens.erasure.person.ERASED: what erase leaves of a device token
ENDPOINT_PREFIX = "endpoint#"  # the ids of kept endpoints, beside the deliveries' in the delivery ledger
_EXISTS = re.compile(r"Endpoint (arn:\S+) already exists")


@dataclass(frozen=True)
class Device:
    employee_id: str
    platform: str  # APNS or GCM
    token: str
    updated_date: str  # YYYY-MM-DD
    enabled: bool

    @property
    def label(self) -> str:
        """The device in markers and logs: platform and a digest of the token, never the token."""
        return f"{self.platform}-{hashlib.sha256(self.token.encode()).hexdigest()[:12]}"

    @property
    def endpoint_id(self) -> str:
        """Where its endpoint's ARN is kept: the registry's key (platform, token), the token as a digest."""
        return f"{ENDPOINT_PREFIX}{self.platform}#{hashlib.sha256(self.token.encode()).hexdigest()}"


@dataclass(frozen=True)
class Endpoint:
    """A device's SNS endpoint as last brought in line with the registry: its ARN and the row's
    ``updated_date`` then (the endpoint's ``CustomUserData``)."""

    arn: str
    applied: str


@dataclass(frozen=True)
class PushOutcome:
    device: str  # Device.label
    outcome: str  # pushed, skipped-<reason>, failed-<error code>


@dataclass
class Push:
    """What one delivery needs to push: the SNS client, the platform application ARN per platform,
    the registry (employee id -> devices), and where the outcome markers go."""

    sns: Any
    applications: Dict[str, str]
    registry: Dict[str, List[Device]]
    s3: Any
    bucket: str
    run_id: str
    recorded: List[Dict[str, str]] = field(default_factory=list)  # each device's outcome so far (record_push writes them)
    known: Dict[str, Endpoint] = field(default_factory=dict)  # Device.endpoint_id -> the endpoint kept for it
    # endpoints created, found again or brought in line during this invocation, to keep: id -> (employee id, endpoint)
    learned: Dict[str, Tuple[str, Endpoint]] = field(default_factory=dict)

    def endpoint_ids(self, recipients: List[Dict[str, Any]]) -> List[str]:
        """The ids under which the endpoints of these recipients' devices are kept."""
        return [d.endpoint_id for r in recipients for d in self.registry.get(r["employee_id"], [])]


def endpoint_item(endpoint_id: str, employee_id: str, endpoint: Endpoint) -> Dict[str, Any]:
    """The delivery ledger item keeping a device's endpoint (ids, the ARN and a date: nothing of the token)."""
    return {"id": endpoint_id, "employee_id": employee_id, "endpoint_arn": endpoint.arn, "applied": endpoint.applied}


def known_endpoints(items: Dict[str, Dict[str, Any]]) -> Dict[str, Endpoint]:
    """The endpoints kept among delivery ledger items read by id."""
    return {k: Endpoint(str(v["endpoint_arn"]), str(v["applied"])) for k, v in items.items()
            if k.startswith(ENDPOINT_PREFIX) and "endpoint_arn" in v and "applied" in v}


def application_arn(partition: str, region: str, account: str, platform: str, name: str) -> str:
    return f"arn:{partition}:sns:{region}:{account}:app/{platform}/{name}"


def registry_snapshot_key(s3: Any, bucket: str, run_date: str) -> Optional[str]:
    """Key of the registry's clean partition in force on ``run_date`` (the newest on or before it)."""
    prefix = f"{DEVICES.clean_prefix()}dt="
    found: List[Tuple[str, str]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            dt, _, rest = obj["Key"][len(prefix):].partition("/")
            if rest == "data.parquet" and dt <= run_date:
                found.append((dt, obj["Key"]))
    return max(found)[1] if found else None


def load_registry(s3: Any, bucket: str, run_date: str) -> Dict[str, List[Device]]:
    """employee id -> their devices, from the registry snapshot in force on ``run_date`` (none: {})."""
    key = registry_snapshot_key(s3, bucket, run_date)
    if key is None:
        return {}
    table = pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
    out: Dict[str, List[Device]] = {}
    for row in table.to_pylist():
        if row["device_token"] == ERASED:  # saleslens erase blanked it: no device left to address
            continue
        device = Device(employee_id=row["employee_id"], platform=row["platform"], token=row["device_token"],
                        updated_date=str(row["updated_date"]), enabled=bool(row["enabled"]))
        out.setdefault(device.employee_id, []).append(device)
    return out


def message(subject: str, link: str) -> str:
    """The notification, per platform (SNS MessageStructure json): the subject and the link, no name
    (a lock screen shows it)."""
    body = f"{subject} is ready."
    apns = {"aps": {"alert": {"title": "SalesLens", "body": body}}, "link": link}
    gcm = {"notification": {"title": "SalesLens", "body": body}, "data": {"link": link}}
    return json.dumps({"default": f"{body} {link}", "APNS": json.dumps(apns), "APNS_SANDBOX": json.dumps(apns),
                       "GCM": json.dumps(gcm)})


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or type(exc).__name__)


def _endpoint(sns: Any, application: str, device: Device) -> Tuple[str, bool]:
    """The device's endpoint ARN, and whether it already existed with other attributes (another
    ``CustomUserData``, or disabled): SNS then answers InvalidParameter naming it."""
    try:
        created = sns.create_platform_endpoint(PlatformApplicationArn=application, Token=device.token,
                                               CustomUserData=device.updated_date)
        return str(created["EndpointArn"]), False
    except Exception as exc:
        found = _EXISTS.search(str(exc)) if _code(exc) == "InvalidParameter" else None
        if found is None:
            raise
        return found.group(1), True


def _refresh(sns: Any, arn: str, device: Device) -> bool:
    """Bring an existing endpoint in line with the registry row; False when it stays disabled
    (the platform disabled it and the row has not changed since)."""
    attributes = sns.get_endpoint_attributes(EndpointArn=arn)["Attributes"]
    enabled = str(attributes.get("Enabled", "true")).lower() == "true"
    applied = attributes.get("CustomUserData") or ""
    if not enabled and device.updated_date <= applied:
        return False
    if not enabled or applied != device.updated_date:
        sns.set_endpoint_attributes(EndpointArn=arn, Attributes={"Enabled": "true", "CustomUserData": device.updated_date})
    return True


def push_device(sns: Any, applications: Dict[str, str], device: Device, payload: str,
                known: Optional[Endpoint] = None) -> str:
    """Push to one device; its outcome (module docstring). Never raises for an SNS error."""
    return push_to(sns, applications, device, payload, known)[0]


def push_to(sns: Any, applications: Dict[str, str], device: Device, payload: str,
            known: Optional[Endpoint] = None) -> Tuple[str, Optional[Endpoint]]:
    """Push to one device: its outcome, and the endpoint to keep for it when this call created,
    found again or refreshed one (None: nothing new to keep). One call (Publish) when ``known``
    was brought in line with the same registry row; else two when nothing changed
    (CreatePlatformEndpoint, Publish), the endpoint's attributes read only when SNS says they
    differ from the registry row or the endpoint is disabled."""
    if not device.enabled:
        return f"{SKIPPED}-{DEVICE_DISABLED}", None
    application = applications.get(device.platform)
    if not application:
        return f"{SKIPPED}-{NO_APPLICATION}", None
    if known is not None and known.applied == device.updated_date:
        outcome = _publish(sns, known.arn, device, payload, differs=False)
        if outcome != f"{SKIPPED}-{ENDPOINT_MISSING}":
            return outcome, None
        # deleted since it was kept (by hand, or by SNS): created again below, as a device never pushed to
    try:
        arn, differs = _endpoint(sns, application, device)
    except Exception as exc:
        if _code(exc) == "NotFound":  # the platform application is not there (docs/runbook.md: deploy step)
            return f"{SKIPPED}-{NO_APPLICATION}", None
        return _failed(exc), None
    outcome = _publish(sns, arn, device, payload, differs=differs)
    kept = outcome in (PUSHED, f"{SKIPPED}-{ENDPOINT_DISABLED}")
    return outcome, (Endpoint(arn, device.updated_date) if kept else None)


def _publish(sns: Any, arn: str, device: Device, payload: str, *, differs: bool) -> str:
    """Publish to the device's endpoint, first bringing its attributes in line with the registry
    row when SNS said they differ; the outcome."""
    try:
        if differs and not _refresh(sns, arn, device):
            return f"{SKIPPED}-{ENDPOINT_DISABLED}"
        try:
            sns.publish(TargetArn=arn, Message=payload, MessageStructure="json")
        except Exception as exc:
            if _code(exc) != "EndpointDisabled" or differs or not _refresh(sns, arn, device):
                raise
            sns.publish(TargetArn=arn, Message=payload, MessageStructure="json")
        return PUSHED
    except Exception as exc:
        code = _code(exc)
        if code == "EndpointDisabled":
            return f"{SKIPPED}-{ENDPOINT_DISABLED}"
        if code == "NotFound":
            return f"{SKIPPED}-{ENDPOINT_MISSING}"
        return _failed(exc)


def _failed(exc: Exception) -> str:
    if not hasattr(exc, "response"):
        raise exc  # not an SNS answer: a bug, not a device's state
    return f"{FAILED}-{re.sub(r'[^A-Za-z0-9_.-]', '_', _code(exc))}"


def push_prefix(run_id: str) -> str:
    return f"runs/{run_id}/push/"


def notify(push: Push, *, recipient: Dict[str, str], subject: str, link: str) -> List[PushOutcome]:
    """Push the link to every registered device of the recipient; each outcome is kept on ``push``
    for ``record_push``."""
    payload = message(subject, link)
    out = []
    for device in push.registry.get(recipient["employee_id"], []):
        key = device.endpoint_id
        outcome, learned = push_to(push.sns, push.applications, device, payload, push.known.get(key))
        if learned is not None:
            push.known[key] = learned  # the person's other position in this batch publishes straight to it
            push.learned[key] = (device.employee_id, learned)
        push.recorded.append({"position_id": recipient["position_id"], "employee_id": recipient["employee_id"],
                              "device": device.label, "outcome": outcome})
        out.append(PushOutcome(device.label, outcome))
    return out


def push_key(run_id: str, part: str) -> str:
    return f"{push_prefix(run_id)}{part}.json"


def record_push(push: Push, part: str) -> Optional[str]:
    """Write the outcomes ``notify`` kept, in one put (none when no device was addressed); the key."""
    if not push.recorded:
        return None
    key = push_key(push.run_id, part)
    push.s3.put_object(Bucket=push.bucket, Key=key, Body=json.dumps(push.recorded).encode(), ContentType="application/json")
    return key


def count_push(s3: Any, bucket: str, run_id: str) -> Dict[str, int]:
    """{outcome: devices} of a run's push outcome files."""
    counts: Dict[str, int] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=push_prefix(run_id)):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith(".json"):
                for entry in json.loads(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()):
                    counts[entry["outcome"]] = counts.get(entry["outcome"], 0) + 1
    return counts


def summary(outcomes: List[PushOutcome]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for o in outcomes:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    return dict(sorted(counts.items()))


"""What becomes of each registered device when a report is pushed (SNS mobile push in moto, which
keeps platform applications and endpoints, refuses a publish to a disabled endpoint and stores
what it accepts on the endpoint). Expected outcomes written by hand."""
from __future__ import annotations

import hashlib
import io
import json

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from saleslens.delivery import push
from saleslens.delivery.push import Device, Push
from saleslens.offline import sns_mobile

REGION = "ap-south-1"
APNS_TOKEN = "a" * 64
GCM_TOKEN = "fcm-instance:APA91b" + "x" * 40
ASHA = {"employee_id": "E000001", "position_id": "P00001"}
LINK = "https://reports.example.com/r?t=abc"


@pytest.fixture()
def sns():
    sns_mobile.install()  # as the embedded AWS does: GetEndpointAttributes returns CustomUserData, as in SNS
    with mock_aws():
        client = boto3.client("sns", region_name=REGION)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="reports", CreateBucketConfiguration={"LocationConstraint": REGION})
        apps = {p: client.create_platform_application(Name=f"app-{p.lower()}", Platform=p,
                                                      Attributes={"PlatformCredential": "x"})["PlatformApplicationArn"]
                for p in ("APNS", "GCM")}
        yield client, s3, apps


def delivered(token: str):
    backend = sns_backends[DEFAULT_ACCOUNT_ID][REGION]
    return [json.loads(m) for e in backend.platform_endpoints.values() if e.token == token for m in e.messages.values()]


def device(token=APNS_TOKEN, platform="APNS", updated="2026-07-01", enabled=True):
    return Device(employee_id="E000001", platform=platform, token=token, updated_date=updated, enabled=enabled)


def test_each_enabled_device_gets_the_subject_and_the_link_and_the_outcomes_are_recorded(sns):
    client, s3, apps = sns
    ctx = Push(sns=client, applications=apps, registry={"E000001": [device(), device(GCM_TOKEN, "GCM")]},
               s3=s3, bucket="reports", run_id="run-1")
    outcomes = push.notify(ctx, recipient=ASHA, subject="Your daily sales report as of 2026-07-31", link=LINK)
    assert [o.outcome for o in outcomes] == ["pushed", "pushed"]
    (apns,) = delivered(APNS_TOKEN)
    assert json.loads(apns["APNS"]) == {"aps": {"alert": {"title": "SalesLens",
                                                          "body": "Your daily sales report as of 2026-07-31 is ready."}},
                                        "link": LINK}
    (gcm,) = delivered(GCM_TOKEN)
    assert json.loads(gcm["GCM"])["data"] == {"link": LINK}
    assert "Contents" not in s3.list_objects_v2(Bucket="reports")  # kept until the batch is done
    assert push.record_push(ctx, "batch-00000-req1") == "runs/run-1/push/batch-00000-req1.json"
    assert push.count_push(s3, "reports", "run-1") == {"pushed": 2}
    body = s3.get_object(Bucket="reports", Key="runs/run-1/push/batch-00000-req1.json")["Body"].read().decode()
    assert [(e["position_id"], e["employee_id"], e["outcome"]) for e in json.loads(body)] == [
        ("P00001", "E000001", "pushed")] * 2
    assert APNS_TOKEN not in body and "APA91b" not in body  # a digest, never the token


def test_a_device_the_person_disabled_is_skipped_without_calling_sns(sns):
    client, s3, apps = sns
    assert push.push_device(client, apps, device(enabled=False), push.message("s", LINK)) == "skipped-device_disabled"
    assert sns_backends[DEFAULT_ACCOUNT_ID][REGION].platform_endpoints == {}


def test_a_platform_without_an_application_is_skipped(sns):
    client, _, apps = sns
    assert push.push_device(client, {"APNS": apps["APNS"]}, device(GCM_TOKEN, "GCM"), "{}") == "skipped-no_platform_application"


def test_an_endpoint_the_platform_disabled_stays_skipped_until_the_device_registers_again(sns):
    client, _, apps = sns
    payload = push.message("s", LINK)
    assert push.push_device(client, apps, device(updated="2026-07-01"), payload) == "pushed"
    (arn,) = sns_backends[DEFAULT_ACCOUNT_ID][REGION].platform_endpoints
    # Apple said the token no longer works: SNS disables the endpoint
    client.set_endpoint_attributes(EndpointArn=arn, Attributes={"Enabled": "false"})
    assert push.push_device(client, apps, device(updated="2026-07-01"), payload) == "skipped-endpoint_disabled"
    assert push.push_device(client, apps, device(updated="2026-07-01"), payload) == "skipped-endpoint_disabled"
    assert len(delivered(APNS_TOKEN)) == 1
    # the registry row changed later (the app registered the token again): enabled and pushed
    assert push.push_device(client, apps, device(updated="2026-07-20"), payload) == "pushed"
    assert client.get_endpoint_attributes(EndpointArn=arn)["Attributes"]["Enabled"] == "true"
    assert client.get_endpoint_attributes(EndpointArn=arn)["Attributes"]["CustomUserData"] == "2026-07-20"
    assert len(delivered(APNS_TOKEN)) == 2
    # still one endpoint per token
    assert len(sns_backends[DEFAULT_ACCOUNT_ID][REGION].platform_endpoints) == 1


class Gone:
    """An SNS client whose endpoint vanished between creating and publishing."""

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    def publish(self, **kwargs):
        self.real.delete_endpoint(EndpointArn=kwargs["TargetArn"])
        return self.real.get_endpoint_attributes(EndpointArn=kwargs["TargetArn"])


def test_a_missing_endpoint_is_skipped_and_another_sns_error_is_recorded_not_raised(sns):
    client, _, apps = sns
    assert push.push_device(Gone(client), apps, device(), "{}") == "skipped-endpoint_missing"
    # a platform application named in the config but never created in SNS
    broken = {"APNS": apps["APNS"].replace("app-apns", "never-created")}
    assert push.push_device(client, broken, device("b" * 64), "{}") == "skipped-no_platform_application"
    # any other answer of SNS (moto never throttles: the error SNS sends, built by hand)
    assert push.push_device(Throttled(client), apps, device("c" * 64), "{}") == "failed-Throttling"


class Throttled(Gone):
    def publish(self, **kwargs):
        raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")


def test_the_registry_in_force_is_the_newest_snapshot_on_or_before_the_run_date(sns):
    _, s3, _ = sns

    def land(dt: str, rows):
        table = pa.table({"employee_id": [r[0] for r in rows], "platform": [r[1] for r in rows],
                          "device_token": [r[2] for r in rows],
                          "registered_date": pa.array([dt] * len(rows)).cast(pa.date32()),
                          "updated_date": pa.array([dt] * len(rows)).cast(pa.date32()),
                          "enabled": [r[3] for r in rows]})
        buf = io.BytesIO()
        pq.write_table(table, buf)
        s3.put_object(Bucket="reports", Key=f"mdm/devices/dt={dt}/data.parquet", Body=buf.getvalue())

    land("2026-07-01", [("E000001", "APNS", APNS_TOKEN, True)])
    land("2026-07-20", [("E000001", "APNS", APNS_TOKEN, False), ("E000002", "GCM", GCM_TOKEN, True)])
    land("2026-08-01", [("E000003", "APNS", "[erased]", True)])  # what saleslens erase leaves
    assert push.load_registry(s3, "reports", "2026-06-30") == {}
    assert push.load_registry(s3, "reports", "2026-08-01") == {}
    assert push.load_registry(s3, "reports", "2026-07-19") == {"E000001": [device(updated="2026-07-01")]}
    assert push.load_registry(s3, "reports", "2026-07-31") == {
        "E000001": [device(updated="2026-07-20", enabled=False)],
        "E000002": [Device("E000002", "GCM", GCM_TOKEN, "2026-07-20", True)]}


def test_the_erased_token_is_what_erase_writes():
    from saleslens.erasure.person import ERASED, placeholder

    assert push.ERASED == ERASED == placeholder("device_token")


def test_an_endpoint_keeps_the_registry_date_it_was_created_with(sns):
    client, _, apps = sns
    assert push.push_device(client, apps, device(updated="2026-07-01"), "{}") == "pushed"
    (arn,) = sns_backends[DEFAULT_ACCOUNT_ID][REGION].platform_endpoints
    assert client.get_endpoint_attributes(EndpointArn=arn)["Attributes"]["CustomUserData"] == "2026-07-01"
    # the same row again: the same endpoint, nothing changed
    assert push.push_device(client, apps, device(updated="2026-07-01"), "{}") == "pushed"
    assert len(sns_backends[DEFAULT_ACCOUNT_ID][REGION].platform_endpoints) == 1


class Counted:
    """The SNS client, each call's operation name recorded."""

    def __init__(self, real):
        self.real, self.calls = real, []
        original = real._make_api_call

        def counted(operation, params):
            self.calls.append(operation)
            return original(operation, params)

        real._make_api_call = counted

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_a_kept_endpoint_of_the_same_registry_row_is_one_publish(sns):
    client, _, apps = sns
    outcome, kept = push.push_to(client, apps, device(updated="2026-07-01"), "{}")
    (arn,) = sns_backends[DEFAULT_ACCOUNT_ID][REGION].platform_endpoints
    assert (outcome, kept) == ("pushed", push.Endpoint(arn, "2026-07-01"))
    counted = Counted(client)
    assert push.push_to(counted, apps, device(updated="2026-07-01"), "{}", kept) == ("pushed", None)
    assert counted.calls == ["Publish"]
    assert len(delivered(APNS_TOKEN)) == 2


def test_a_kept_endpoint_of_an_older_registry_row_is_brought_in_line_and_kept_again(sns):
    client, _, apps = sns
    _, kept = push.push_to(client, apps, device(updated="2026-07-01"), "{}")
    client.set_endpoint_attributes(EndpointArn=kept.arn, Attributes={"Enabled": "false"})
    counted = Counted(client)
    # the person registered the device again on 20 July: the endpoint is enabled with the new date
    assert push.push_to(counted, apps, device(updated="2026-07-20"), "{}", kept) == (
        "pushed", push.Endpoint(kept.arn, "2026-07-20"))
    assert counted.calls == ["CreatePlatformEndpoint", "GetEndpointAttributes", "SetEndpointAttributes", "Publish"]
    assert client.get_endpoint_attributes(EndpointArn=kept.arn)["Attributes"]["CustomUserData"] == "2026-07-20"


def test_a_kept_endpoint_deleted_since_is_created_again_and_the_new_one_kept(sns):
    client, _, apps = sns
    _, kept = push.push_to(client, apps, device(updated="2026-07-01"), "{}")
    client.delete_endpoint(EndpointArn=kept.arn)
    outcome, again = push.push_to(client, apps, device(updated="2026-07-01"), "{}", kept)
    (arn,) = sns_backends[DEFAULT_ACCOUNT_ID][REGION].platform_endpoints
    assert (outcome, again) == ("pushed", push.Endpoint(arn, "2026-07-01"))
    assert arn != kept.arn
    assert len(delivered(APNS_TOKEN)) == 1  # the new endpoint's; the first went with the deleted one


def test_a_kept_endpoint_the_platform_disabled_is_skipped_without_creating_anything(sns):
    client, _, apps = sns
    _, kept = push.push_to(client, apps, device(updated="2026-07-01"), "{}")
    client.set_endpoint_attributes(EndpointArn=kept.arn, Attributes={"Enabled": "false"})
    counted = Counted(client)
    assert push.push_to(counted, apps, device(updated="2026-07-01"), "{}", kept) == ("skipped-endpoint_disabled", None)
    assert counted.calls == ["Publish", "GetEndpointAttributes"]
    assert len(sns_backends[DEFAULT_ACCOUNT_ID][REGION].platform_endpoints) == 1


def test_notify_keeps_what_it_learned_and_a_second_position_of_the_person_publishes_straight(sns):
    client, s3, apps = sns
    counted = Counted(client)
    ctx = Push(sns=counted, applications=apps, registry={"E000001": [device()]}, s3=s3, bucket="reports", run_id="run-1")
    push.notify(ctx, recipient=ASHA, subject="s", link=LINK)
    push.notify(ctx, recipient={**ASHA, "position_id": "P00002"}, subject="s", link=LINK)
    assert counted.calls == ["CreatePlatformEndpoint", "Publish", "Publish"]
    (arn,) = sns_backends[DEFAULT_ACCOUNT_ID][REGION].platform_endpoints
    key = device().endpoint_id
    assert key == "endpoint#APNS#" + hashlib.sha256(APNS_TOKEN.encode()).hexdigest()
    assert ctx.learned == {key: ("E000001", push.Endpoint(arn, "2026-07-01"))}
    assert push.endpoint_item(key, "E000001", push.Endpoint(arn, "2026-07-01")) == {
        "id": key, "employee_id": "E000001", "endpoint_arn": arn, "applied": "2026-07-01"}
    assert push.known_endpoints({key: {"id": key, "employee_id": "E000001", "endpoint_arn": arn, "applied": "2026-07-01"},
                                 "delivery#daily#x": {"id": "delivery#daily#x", "state": "sent"}}) == {
        key: push.Endpoint(arn, "2026-07-01")}

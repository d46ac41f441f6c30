"""The link service in the CDK app: function URL (auth NONE, throttled by reserved concurrency),
the signing secret with its rotation, the revocation and access-log tables, and least-privilege
grants to the secret, the tables and the reports. Expected values written out by hand."""
from __future__ import annotations

from typing import Any, Dict, Set, Tuple

import pytest

from tests.infra.cfn import as_list, flat, function_role, role_grants

pytestmark = pytest.mark.infra

PREFIX = "saleslens-dev"
REPORTS = f"arn:<AWS::Partition>:s3:::{PREFIX}-reports-<AWS::AccountId>-<AWS::Region>"


def one(synth, cfn_type: str, **props: Any) -> Tuple[str, Dict[str, Any]]:
    found = [(lid, r) for _, lid, r in synth.resources(cfn_type, ("distribution",))
             if all(r["Properties"].get(k) == v for k, v in props.items())]
    assert len(found) == 1, (cfn_type, props, len(found))
    return found[0]


def grants(synth, key: str) -> Set[Tuple[str, str]]:
    template = synth.json("distribution")
    return role_grants(template, function_role(template, f"{PREFIX}-{key}"))


def ids(synth) -> Dict[str, str]:
    out = {"secret": one(synth, "AWS::SecretsManager::Secret", Name=f"{PREFIX}-link-signing-key")[0]}
    for name, table in (("revocations", "link-revocations"), ("access_log", "link-access-log"),
                        ("suppression", "email-suppression")):
        out[name] = one(synth, "AWS::DynamoDB::Table", TableName=f"{PREFIX}-{table}")[0]
    return out


def test_the_function_url_needs_no_aws_credentials_the_token_is_the_credential(synth):
    fn_id = one(synth, "AWS::Lambda::Function", FunctionName=f"{PREFIX}-open-report")[0]
    _, url = one(synth, "AWS::Lambda::Url", AuthType="NONE")
    assert url["Properties"]["TargetFunctionArn"] == {"Fn::GetAtt": [fn_id, "Arn"]}
    # Public invocation of the URL only (what CDK adds for auth NONE).
    _, permission = one(synth, "AWS::Lambda::Permission", Action="lambda:InvokeFunctionUrl")
    assert permission["Properties"]["Principal"] == "*" and permission["Properties"]["FunctionUrlAuthType"] == "NONE"


def test_the_throttle_is_the_reserved_concurrency_of_the_config(synth):
    _, fn = one(synth, "AWS::Lambda::Function", FunctionName=f"{PREFIX}-open-report")
    assert fn["Properties"]["ReservedConcurrentExecutions"] == 20  # links.max_concurrent_opens


def test_render_report_emails_links_to_the_function_url(synth):
    _, fn = one(synth, "AWS::Lambda::Function", FunctionName=f"{PREFIX}-render-report")
    url_id, _ = one(synth, "AWS::Lambda::Url", AuthType="NONE")
    assert fn["Properties"]["Environment"]["Variables"]["LINK_BASE_URL"] == {"Fn::GetAtt": [url_id, "FunctionUrl"]}


def test_the_signing_key_is_a_generated_secret_encrypted_with_the_lake_key(synth):
    _, secret = one(synth, "AWS::SecretsManager::Secret", Name=f"{PREFIX}-link-signing-key")
    props = secret["Properties"]
    assert props["GenerateSecretString"] == {"PasswordLength": 44, "ExcludePunctuation": True, "IncludeSpace": False}
    assert "lake" in flat(props["KmsKeyId"]).lower()
    assert "SecretString" not in props  # no key in the template


def test_the_key_rotates_on_the_configured_schedule_through_its_function(synth):
    secret_id = ids(synth)["secret"]
    _, schedule = one(synth, "AWS::SecretsManager::RotationSchedule")
    rotator = one(synth, "AWS::Lambda::Function", FunctionName=f"{PREFIX}-rotate-link-key")[0]
    assert schedule["Properties"] == {
        "SecretId": {"Ref": secret_id},
        "RotationLambdaARN": {"Fn::GetAtt": [rotator, "Arn"]},
        "RotationRules": {"AutomaticallyAfterDays": 35},  # links.key_rotation_days
        "RotateImmediatelyOnUpdate": False,
    }
    _, permission = one(synth, "AWS::Lambda::Permission", Principal="secretsmanager.amazonaws.com")
    assert permission["Properties"]["SourceArn"] == {"Ref": secret_id}
    assert rotator in {d.split(".")[0] for d in as_list(schedule.get("DependsOn", []))} or any(
        d.startswith("LinkServiceRotateLinkKey") for d in as_list(schedule.get("DependsOn", [])))


@pytest.mark.parametrize("table,key_schema", [
    ("link-revocations", [{"AttributeName": "id", "KeyType": "HASH"}]),
    ("link-access-log", [{"AttributeName": "employee_id", "KeyType": "HASH"},
                         {"AttributeName": "opened_at", "KeyType": "RANGE"}]),
])
def test_tables_are_encrypted_recoverable_on_demand_and_expire_items(synth, table, key_schema):
    _, t = one(synth, "AWS::DynamoDB::Table", TableName=f"{PREFIX}-{table}")
    props = t["Properties"]
    assert props["KeySchema"] == key_schema
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"]["SSEType"] == "KMS" and "lake" in flat(props["SSESpecification"]["KMSMasterKeyId"]).lower()
    assert (t["DeletionPolicy"], t["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_open_report_may_read_the_secret_and_its_tables_and_nothing_else_of_them(synth):
    i, g = ids(synth), grants(synth, "open-report")
    non_s3 = {(a, r) for a, r in g if not a.startswith(("s3:", "kms:", "logs:", "xray:"))}
    assert non_s3 == {
        ("secretsmanager:GetSecretValue", f"<{i['secret']}>"),
        ("dynamodb:GetItem", f"<{i['revocations']}.Arn>"),
        ("dynamodb:BatchGetItem", f"<{i['revocations']}.Arn>"),
        ("dynamodb:PutItem", f"<{i['revocations']}.Arn>"),  # one fresh link per expired link
        ("dynamodb:PutItem", f"<{i['access_log']}.Arn>"),
        ("dynamodb:GetItem", f"<{i['suppression']}.Arn>"),  # no fresh link to a bounced address
        ("ses:SendRawEmail", "arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/reports@saleslens.example.com"),
        ("ses:SendRawEmail", f"arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:configuration-set/{PREFIX}-reports"),
    }
    assert {(a, r) for a, r in g if a == "s3:GetObject"} == {
        ("s3:GetObject", f"{REPORTS}/reports/*"), ("s3:GetObject", f"{REPORTS}/links/holders.json"),
        ("s3:GetObject", f"{REPORTS}/links/holder_ends.json")}


def test_the_rotation_function_may_change_that_secret_only(synth):
    i, g = ids(synth), grants(synth, "rotate-link-key")
    assert {(a, r) for a, r in g if a.startswith("secretsmanager:")} == {
        (a, f"<{i['secret']}>") for a in ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
                                          "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage")}
    assert not any(a.startswith(("s3:", "dynamodb:", "ses:")) for a, _ in g)


def test_render_report_reads_the_current_key_and_no_table_of_the_link_service(synth):
    i, g = ids(synth), grants(synth, "render-report")
    assert ("secretsmanager:GetSecretValue", f"<{i['secret']}>") in g
    assert not any(a.startswith("secretsmanager:") and a != "secretsmanager:GetSecretValue" for a, _ in g)
    assert not any(i["revocations"] in r or i["access_log"] in r for _, r in g)



"""Exactly once per person, position, cadence and window, and corrections: the figures' hash, the
delivery ledger's claim -> send -> complete, and a batch delivered through moto's S3, SES and
DynamoDB in process (the real services' offline stand-ins)."""
from __future__ import annotations

import email
import hashlib
import sys
from dataclasses import replace
from email import policy
from typing import Any, Dict, Iterator, List

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from saleslens.delivery import figures as figures_mod
from saleslens.delivery import ledger as ledger_mod
from saleslens.delivery.deliver import Settings, deliver_batch
from saleslens.delivery.figures import changed, figures_hash
from saleslens.delivery.push import Device, Push
from saleslens.distribution import outcomes
from saleslens.distribution.results import csv_rows, read_result, stable_number
from saleslens.links.issue import LinkIssuer
from saleslens.offline import sns_mobile
from saleslens.reports.model import RunData, build_report
from saleslens.reports.stored import read_page
from tests.unit.test_render_and_email import ASM, primary

REGION = "eu-west-1"
TABLE = "delivery-ledger"
BUCKET = "reports"
SENDER = "reports@x.example.com"
SETTINGS = Settings(reports_bucket=BUCKET, sender=SENDER, configuration_set="reports",
                    issue_link=LinkIssuer(base_url="https://links.x.example.com", key=b"k" * 32, lifetime_days=30))
SR1 = {"employee_id": "E000002", "employee_name": "Ravi", "email": "ravi@x.example.com", "position_id": "P00007",
       "role": "SR", "position_name": "Pune 1", "parent_position_id": "P00006"}
SR2 = {"employee_id": "E000003", "employee_name": "Mira", "email": "mira@x.example.com", "position_id": "P00008",
       "role": "SR", "position_name": "Pune 2", "parent_position_id": "P00006"}
PEOPLE = [ASM, SR1, SR2]


def data(sr2_day: str = "300.00") -> RunData:
    """The ASM's area: its own rows and two SRs'; ``sr2_day`` is the second SR's (and so the ASM's) day figure."""
    asm_day = f"{1252.50 + float(sr2_day):.2f}"
    return RunData({"primary": [
        primary("P00006", "P00005", "ASM", "day", asm_day), primary("P00006", "P00005", "ASM", "mtd", "9100.00"),
        primary("P00007", "P00006", "SR", "day", "1252.50"), primary("P00007", "P00006", "SR", "mtd", "7000.00"),
        primary("P00008", "P00006", "SR", "day", sr2_day), primary("P00008", "P00006", "SR", "mtd", "2100.00"),
    ]})


# -- the figures' hash ------------------------------------------------------------------------
def test_the_same_figures_hash_the_same_whenever_and_for_whatever_name():
    first = build_report(ASM, data(), run_date="2026-11-20", cadence="daily")
    again = build_report({**ASM, "employee_name": "Asha R.", "email": "asha.r@x.example.com"}, data(),
                         run_date="2026-11-20", cadence="daily")
    assert figures_hash(first) == figures_hash(again)
    # one 16-hex digest per report field, named, in name order
    hashed = figures_hash(first)
    assert hashed.startswith("v2:")
    names = [part.split("=")[0] for part in hashed[3:].split(",")]
    assert names == sorted(names) and {"primary", "targets", "recipient", "pipeline"} <= set(names)
    assert "freshness" not in names
    assert all(len(part.split("=")[1]) == 16 for part in hashed[3:].split(","))


def test_a_sections_digest_is_the_sha256_of_its_figures_as_sorted_json_at_four_places():
    # Stored hashes are compared with new ones, so the serialisation must never drift: written by
    # hand, "100.00" -> "100", "15.62500" -> "15.625", "0.123456" -> "0.1235" (4 places, half
    # even), a float 2.675 -> "2.675", "-0.00" -> "-0", an id without a decimal point unchanged,
    # None -> null, an int stays a number, keys sorted.
    value = {"b": ["100.00", "15.62500", "0.123456", "-0.00"], "a": {"x": 2.675, "y": "SR-01.A", "z": None, "n": 3}}
    text = '{"a":{"n":3,"x":"2.675","y":"SR-01.A","z":null},"b":["100","15.625","0.1235","-0"]}'
    assert figures_mod._digest(value) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    # rows (dicts of text) in a list, a tuple, a key that is no text, text with points that is no
    # number, "2.00005" -> "2" (half even at 4 places), a number in a list
    rows = [{"v": "1.50000", 1: "a.b", "w": ("2.00005", "x")}, ["3.14159", 7]]
    text = '[{"1":"a.b","v":"1.5","w":["2","x"]},["3.1416",7]]'
    assert figures_mod._digest(rows) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    # a rounded text is kept for the next report (figures._TEXTS): read again, the same digests
    assert figures_mod._digest(rows) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert figures_mod._digest({"row": {"a": "15.62500", "b": "100.00"}}) == hashlib.sha256(
        b'{"row":{"a":"15.625","b":"100"}}').hexdigest()


def test_a_section_the_report_gained_is_no_correction_a_changed_one_is():
    sent = "v2:primary=aaaaaaaaaaaaaaaa,targets=bbbbbbbbbbbbbbbb"
    # a release added the forecast section; the figures the person was sent are the same
    assert not changed(sent, "v2:forecast=cccccccccccccccc,primary=aaaaaaaaaaaaaaaa,targets=bbbbbbbbbbbbbbbb")
    assert not changed(sent, "v2:primary=aaaaaaaaaaaaaaaa")  # a section dropped from the layout
    assert changed(sent, "v2:forecast=cccccccccccccccc,primary=aaaaaaaaaaaaaaab,targets=bbbbbbbbbbbbbbbb")
    assert not changed(sent, sent)
    # a hash stored before sections were hashed one by one is compared whole
    assert changed("ab" * 32, sent) and not changed("ab" * 32, "ab" * 32)


def test_decide_skips_a_report_that_only_gained_a_section_and_corrects_a_changed_figure():
    prior = {"state": "sent", "figures_hash": "v2:primary=aaaaaaaaaaaaaaaa", "run_id": "run-1", "version": 2}
    gained = "v2:forecast=cccccccccccccccc,primary=aaaaaaaaaaaaaaaa"
    assert ledger_mod.decide(prior, figures_hash=gained, run_id="run-2", now=0) == ledger_mod.Decision(
        ledger_mod.SKIP, outcomes.ALREADY_SENT)
    assert ledger_mod.decide(prior, figures_hash="v2:primary=aaaaaaaaaaaaaaa0", run_id="run-2", now=0) == \
        ledger_mod.Decision(ledger_mod.CORRECT, outcomes.CORRECTED)


def test_a_file_landing_later_moves_the_footer_but_is_no_correction():
    landed = [{"dataset": "erp_primary_invoices", "source": "erp", "file_date": "2026-11-20",
               "landed_at": "2026-11-21T01:30:00Z"}]
    relanded = [{**landed[0], "landed_at": "2026-11-21T09:45:00Z"}]
    first = build_report(ASM, RunData(data().tables, freshness=landed), run_date="2026-11-20", cadence="daily")
    again = build_report(ASM, RunData(data().tables, freshness=relanded), run_date="2026-11-20", cadence="daily")
    assert first.freshness != again.freshness
    assert figures_hash(first) == figures_hash(again)


def test_a_changed_figure_changes_the_hash_of_every_report_that_shows_it():
    before = {p["employee_id"]: figures_hash(build_report(p, data(), run_date="2026-11-20", cadence="daily"))
              for p in PEOPLE}
    after = {p["employee_id"]: figures_hash(build_report(p, data("310.00"), run_date="2026-11-20", cadence="daily"))
             for p in PEOPLE}
    assert {e for e in before if before[e] != after[e]} == {ASM["employee_id"], SR2["employee_id"]}


def test_float_noise_beyond_what_a_report_shows_is_not_a_correction():
    def asm(mtd: str) -> str:
        return figures_hash(build_report(ASM, RunData({"primary": [primary("P00006", "P00005", "ASM", "mtd", mtd)]}),
                                         run_date="2026-11-20", cadence="daily"))
    assert asm("9100.000000000002") == asm("9100.0") == asm("9100.00") == asm("9100")
    assert asm("9100.01") != asm("9100.00")


# -- the window in the key --------------------------------------------------------------------
@pytest.mark.parametrize("run_date,cadence,window", [
    ("2026-07-31", "daily", "2026-07-31..2026-07-31"),
    ("2026-07-15", "fortnightly", "2026-07-01..2026-07-15"),
    ("2026-07-31", "fortnightly", "2026-07-16..2026-07-31"),
    ("2026-07-31", "monthly", "2026-07-01..2026-07-31"),
])
def test_the_delivery_window_is_the_cadences_period_up_to_the_run_date(run_date, cadence, window):
    assert ledger_mod.delivery_window(run_date, cadence) == window
    assert ledger_mod.delivery_id(cadence=cadence, window=window, employee_id="E1", position_id="P1") == (
        f"delivery#{cadence}#{window}#P1#E1")


# -- a batch through moto ------------------------------------------------------------------------
@pytest.fixture()
def aws() -> Iterator[Dict[str, Any]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        ses = boto3.client("ses", region_name=REGION)
        ses.verify_email_identity(EmailAddress=SENDER)
        ses.create_configuration_set(ConfigurationSet={"Name": "reports"})
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        yield {"s3": s3, "ses": ses, "ddb": ddb, "ledger": ledger_mod.Ledger(ddb, TABLE, ttl_days=400)}


def sent(aws) -> List[Dict[str, str]]:
    """Every email SES accepted so far: (to, subject)."""
    out = []
    for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
        msg = email.message_from_string(m.raw_data, policy=policy.default)
        out.append({"to": msg["To"].addresses[0].addr_spec, "subject": str(msg["Subject"])})
    return out


def deliver(aws, run_id: str, run_data: RunData, *, now: float = 1_800_000_000.0, people=PEOPLE) -> Dict[str, str]:
    results = deliver_batch(aws["s3"], aws["ses"], aws["ledger"], recipients=people, data=run_data,
                            run_date="2026-11-20", cadence="daily", run_id=run_id, settings=SETTINGS,
                            claim_until=int(now) + 330, clock=lambda: now)
    return {r["employee_id"]: r["outcome"] + (f":{r['error']}" if r.get("error") else "") for r in results}


def item(aws, person) -> Dict[str, Any]:
    key = ledger_mod.delivery_id(cadence="daily", window="2026-11-20..2026-11-20", employee_id=person["employee_id"],
                                 position_id=person["position_id"])
    return aws["ledger"].read([key]).get(key, {})


def test_first_run_sends_each_once_and_a_redrive_or_rerun_sends_nothing(aws):
    assert deliver(aws, "run-1", data()) == {p["employee_id"]: outcomes.DELIVERED for p in PEOPLE}
    assert sorted(m["to"] for m in sent(aws)) == sorted(p["email"] for p in PEOPLE)
    assert {m["subject"] for m in sent(aws)} == {"Your daily sales report as of 2026-11-20"}
    # the same run's batch again (a retry or a redrive): still this run's deliveries, no email
    assert deliver(aws, "run-1", data()) == {p["employee_id"]: outcomes.DELIVERED for p in PEOPLE}
    # another run with the same figures: re-rendered, not emailed
    assert deliver(aws, "run-2", data()) == {p["employee_id"]: outcomes.ALREADY_SENT for p in PEOPLE}
    assert len(sent(aws)) == 3
    record = item(aws, SR1)
    assert (record["state"], record["run_id"], record["kind"], record["version"]) == ("sent", "run-1", "report", 2)
    assert record["expiration"] == 1_800_000_000 + 400 * 24 * 3600


def test_a_rerun_after_a_correction_rerenders_all_and_emails_corrected_only_to_those_affected(aws):
    deliver(aws, "run-1", data())
    page = read_page(aws["s3"], bucket=BUCKET, key="reports/daily/2026-11-20/P00007/E000002.html")
    assert deliver(aws, "run-2", data("310.00")) == {
        ASM["employee_id"]: outcomes.CORRECTED, SR1["employee_id"]: outcomes.ALREADY_SENT,
        SR2["employee_id"]: outcomes.CORRECTED}
    corrected = sent(aws)[3:]
    assert sorted(m["to"] for m in corrected) == sorted([ASM["email"], SR2["email"]])
    assert {m["subject"] for m in corrected} == {"Corrected: your daily sales report as of 2026-11-20"}
    sr2_page = read_page(aws["s3"], bucket=BUCKET, key="reports/daily/2026-11-20/P00008/E000003.html")
    assert 'data-value="310.00"' in sr2_page  # re-rendered with the corrected figure
    assert read_page(aws["s3"], bucket=BUCKET, key="reports/daily/2026-11-20/P00007/E000002.html") == page
    # a redrive of the correcting run sends no second "corrected"
    assert deliver(aws, "run-2", data("310.00"))[SR2["employee_id"]] == outcomes.CORRECTED
    # and a third run on the corrected figures sends nothing
    assert set(deliver(aws, "run-3", data("310.00")).values()) == {outcomes.ALREADY_SENT}
    assert len(sent(aws)) == 5
    assert item(aws, SR2)["kind"] == "correction"


def test_one_recipients_send_failure_fails_only_them_and_a_redrive_sends_it(aws, monkeypatch):
    original = aws["ses"].send_raw_email

    def refuse_mira(**kwargs):
        if kwargs["Destinations"] == [SR2["email"]]:
            raise aws["ses"].exceptions.MessageRejected({"Error": {"Code": "MessageRejected", "Message": "no"}}, "SendRawEmail")
        return original(**kwargs)

    monkeypatch.setattr(aws["ses"], "send_raw_email", refuse_mira)
    assert deliver(aws, "run-1", data()) == {ASM["employee_id"]: outcomes.DELIVERED, SR1["employee_id"]: outcomes.DELIVERED,
                                             SR2["employee_id"]: "failed:MessageRejected"}
    assert item(aws, SR2) == {}  # the claim was released
    monkeypatch.setattr(aws["ses"], "send_raw_email", original)
    assert deliver(aws, "run-1", data()) == {p["employee_id"]: outcomes.DELIVERED for p in PEOPLE}
    assert sorted(m["to"] for m in sent(aws)) == sorted(p["email"] for p in PEOPLE)


def test_a_live_claim_is_left_alone_and_a_dead_ones_send_is_taken_over(aws):
    now = 1_800_000_000
    key = ledger_mod.delivery_id(cadence="daily", window="2026-11-20..2026-11-20", employee_id=SR1["employee_id"],
                                 position_id=SR1["position_id"])
    claimed = aws["ledger"].claim(key, None, run_id="run-0", figures_hash="x", claim_until=now + 100, now=now,
                                  ids={"employee_id": SR1["employee_id"], "position_id": SR1["position_id"]},
                                  cadence="daily", window="2026-11-20..2026-11-20")
    assert claimed is not None
    # while the claiming invocation may still be sending, nobody else sends
    assert deliver(aws, "run-1", data(), now=now + 50, people=[SR1]) == {SR1["employee_id"]: "failed:DeliveryInProgress"}
    assert sent(aws) == []
    # once its deadline has passed it is dead: the send it claimed is made
    assert deliver(aws, "run-1", data(), now=now + 101, people=[SR1]) == {SR1["employee_id"]: outcomes.DELIVERED}
    assert [m["to"] for m in sent(aws)] == [SR1["email"]]


def test_a_second_writer_loses_the_claim(aws):
    key = "delivery#daily#2026-11-20..2026-11-20#P1#E1"
    args = dict(run_id="r", figures_hash="h", claim_until=1, now=0, ids={"employee_id": "E1", "position_id": "P1"},
                cadence="daily", window="2026-11-20..2026-11-20")
    assert aws["ledger"].claim(key, None, **args) is not None
    assert aws["ledger"].claim(key, None, **args) is None  # it read "no item" too, but wrote second


def test_a_batch_claims_its_recipients_in_one_transaction(aws, monkeypatch):
    calls: List[str] = []
    original = aws["ddb"]._make_api_call

    def counted(operation, params):
        calls.append(operation)
        return original(operation, params)

    monkeypatch.setattr(aws["ddb"], "_make_api_call", counted)
    assert deliver(aws, "run-1", data()) == {p["employee_id"]: outcomes.DELIVERED for p in PEOPLE}
    # one read and one claim for the batch, then a complete per email
    assert calls == ["BatchGetItem", "TransactWriteItems", "PutItem", "PutItem", "PutItem"]


def test_claims_lost_to_another_writer_are_left_out_and_the_rest_claimed(aws):
    window = "2026-11-20..2026-11-20"
    keys = [f"delivery#daily#{window}#P{n}#E{n}" for n in range(3)]
    args = dict(run_id="r", claim_until=1, now=0, cadence="daily", window=window)
    # the second item is claimed by another writer after our read (which found no item)
    other = aws["ledger"].claim(keys[1], None, figures_hash="h", ids={"employee_id": "E1", "position_id": "P1"}, **args)
    wanted = [ledger_mod.Claim(k, None, "h", {"employee_id": f"E{n}", "position_id": f"P{n}"}) for n, k in enumerate(keys)]
    claims = aws["ledger"].claim_all(wanted, **args)
    assert claims[keys[1]] is None
    assert [claims[keys[0]]["version"], claims[keys[2]]["version"]] == [1, 1]  # new items: version 0 + 1
    assert aws["ledger"].read(keys)[keys[1]] == other  # the other writer's claim stands
    assert aws["ledger"].claim_all(wanted, **args) == {k: None for k in keys}  # all taken now


def test_a_devices_endpoint_is_kept_in_the_ledger_and_its_next_push_is_one_publish(aws, monkeypatch):
    sns_mobile.install()
    sns = boto3.client("sns", region_name=REGION)
    app = sns.create_platform_application(Name="app-apns", Platform="APNS",
                                          Attributes={"PlatformCredential": "x"})["PlatformApplicationArn"]
    tablet = Device(SR2["employee_id"], "APNS", "a" * 64, "2026-11-01", True)
    registry = {SR2["employee_id"]: [tablet]}
    calls: List[str] = []
    for service in (aws["ddb"], sns):
        monkeypatch.setattr(service, "_make_api_call",
                            lambda op, params, _orig=service._make_api_call: calls.append(op) or _orig(op, params))
    now = 1_800_000_000

    def run(run_id: str, run_data: RunData) -> Dict[str, str]:
        calls.clear()
        settings = replace(SETTINGS, push=Push(sns=sns, applications={"APNS": app}, registry=registry, s3=aws["s3"],
                                               bucket=BUCKET, run_id=run_id))
        results = deliver_batch(aws["s3"], aws["ses"], aws["ledger"], recipients=PEOPLE, data=run_data,
                                run_date="2026-11-20", cadence="daily", run_id=run_id, settings=settings,
                                claim_until=now + 330, clock=lambda: now)
        return {r["employee_id"]: r["outcome"] for r in results}

    assert set(run("run-1", data()).values()) == {outcomes.DELIVERED}
    assert calls == ["BatchGetItem", "TransactWriteItems", "PutItem", "PutItem",
                     "CreatePlatformEndpoint", "Publish", "PutItem", "BatchWriteItem"]
    (arn,) = sns_backends[DEFAULT_ACCOUNT_ID][REGION].platform_endpoints
    assert aws["ledger"].read([tablet.endpoint_id]) == {tablet.endpoint_id: {
        "id": tablet.endpoint_id, "employee_id": SR2["employee_id"], "endpoint_arn": arn, "applied": "2026-11-01",
        "expiration": now + 400 * 24 * 3600}}
    # a corrected figure of Mira's (and so her ASM's): both emailed again, Mira's tablet pushed to the
    # endpoint kept, read with the deliveries; nothing new to keep
    assert run("run-2", data("310.00")) == {ASM["employee_id"]: outcomes.CORRECTED,
                                            SR1["employee_id"]: outcomes.ALREADY_SENT,
                                            SR2["employee_id"]: outcomes.CORRECTED}
    assert calls == ["BatchGetItem", "TransactWriteItems", "PutItem", "Publish", "PutItem"]
    assert sum(len(e.messages) for e in sns_backends[DEFAULT_ACCOUNT_ID][REGION].platform_endpoints.values()) == 2


class Unprocessed:
    """A DynamoDB client whose first BatchWriteItem leaves its last item unprocessed (what DynamoDB
    answers when it throttles part of a batch write; moto never does)."""

    def __init__(self, real):
        self.real, self.writes = real, []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def batch_write_item(self, RequestItems):
        self.writes.append(sum(len(v) for v in RequestItems.values()))
        if len(self.writes) > 1:
            return self.real.batch_write_item(RequestItems=RequestItems)
        (table, requests), = RequestItems.items()
        self.real.batch_write_item(RequestItems={table: requests[:-1]})
        return {"UnprocessedItems": {table: requests[-1:]}}


def test_kept_items_are_written_in_calls_of_25_and_the_unprocessed_written_again(aws):
    ddb = Unprocessed(aws["ddb"])
    ledger = ledger_mod.Ledger(ddb, TABLE, ttl_days=400)
    items = [{"id": f"endpoint#APNS#{n:064x}", "employee_id": "E000001", "endpoint_arn": f"arn:{n}", "applied": "2026-11-01"}
             for n in range(30)]
    assert ledger.keep(items, now=100, pause=0) == 30
    assert ddb.writes == [25, 1, 5]
    kept = ledger.read(i["id"] for i in items)
    assert len(kept) == 30 and {i["expiration"] for i in kept.values()} == {100 + 400 * 24 * 3600}


def test_a_keep_that_fails_is_logged_not_raised(aws, caplog):
    class Refused(Unprocessed):
        def batch_write_item(self, RequestItems):
            raise self.real.exceptions.ProvisionedThroughputExceededException(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "BatchWriteItem")

    ledger = ledger_mod.Ledger(Refused(aws["ddb"]), TABLE, ttl_days=400)
    with caplog.at_level("WARNING"):
        assert ledger.keep([{"id": "endpoint#APNS#0", "employee_id": "E000001", "endpoint_arn": "a", "applied": "d"}],
                           now=100) == 0
    assert [(r.getMessage(), r.items, r.error) for r in caplog.records] == [
        ("ledger items not kept", 1, "ProvisionedThroughputExceededException")]


# -- the handler's input ---------------------------------------------------------------------------
@pytest.mark.parametrize("batch,message", [
    (None, "event.batch must be an object with a batch name and a list of recipients"),
    ({"batch": "00000", "recipients": "E1"}, "event.batch must be an object with a batch name and a list of recipients"),
    ({"batch": "00000", "recipients": [{"employee_id": "E1"}]}, "event is missing string field(s): position_id"),
])
def test_render_report_refuses_a_malformed_batch_before_any_call(batch, message):
    from lambdas._runtime import InvalidEventError
    from lambdas.render_report import handler
    from saleslens.offline.hooks import LambdaContext

    event = {"run_date": "2026-11-20", "cadence": "daily", "run_id": "r", "recipients_key": "runs/r/recipients.json",
             "batch": batch}
    with pytest.raises(InvalidEventError) as caught:
        handler(event, LambdaContext("render-report", 1024, "arn:aws:lambda:eu-west-1:123456789012:function:render-report"))
    assert str(caught.value) == message


def test_float_noise_across_a_rounding_boundary_reads_as_the_same_figures():
    # 15.625 % is exact (125/8); a parallel sum lands a few ulps either side of it on different
    # runs, which a report shows as 15.62 or 15.63 and a 4-place hash also splits (x.xxxx5 cases).
    # The mart results are read as their stable values, so both runs give one report.
    header = "position_id,parent_position_id,role,position_name,window_id,window_order,start_date,end_date," \
             "ly_start_date,ly_end_date,net_value,growth_pct,gross_value\n"
    line = "P00006,P00005,ASM,Name P00006,mtd,2,2026-11-01,2026-11-20,2025-11-01,2025-11-20,{net},{growth},{net}\n"
    runs = [("2899999999.9999995", "15.624999999999998"), ("2900000000.0000005", "15.625000000000002")]
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        reports = []
        for n, (net, growth) in enumerate(runs):
            s3.put_object(Bucket=BUCKET, Key=f"athena/run{n}.csv", Body=(header + line.format(net=net, growth=growth)).encode())
            rows = read_result(s3, f"s3://{BUCKET}/athena/run{n}.csv")
            assert (rows[0]["net_value"], rows[0]["growth_pct"]) == ("2900000000", "15.625")
            reports.append(build_report(ASM, RunData({"primary": rows}), run_date="2026-11-20", cadence="daily"))
    assert reports[0] == reports[1]
    assert figures_hash(reports[0]) == figures_hash(reports[1])


@pytest.mark.parametrize("text,stable", [
    ("123456.78", "123456.78"),  # short: exact as printed, untouched
    ("E000123", "E000123"), ("2026-11-20", "2026-11-20"), ("", ""),
    ("0.031249999999999997", "0.03125"),  # 10 significant digits
    ("1234567.1200000001", "1234567.12"),  # never fewer than the paisa
    ("123456789012.34567", "123456789012.35"),
    ("1.2345678901234567e-05", "0.0000123456789"),
    ("-15.624999999999998", "-15.625"),
])
def test_a_result_value_is_read_as_its_stable_value(text, stable):
    assert stable_number(text) == stable


def test_result_rows_share_one_object_per_repeated_value_and_keep_every_value():
    text = ('"position_id","window_id","net_value","growth_pct"\n'
            '"P00006","mtd","1200.50","15.624999999999998"\n'
            '"P00006","ytd","1200.50",""\n'
            '"P00007","mtd","99.00","15.624999999999998"\n')
    header, rows = csv_rows(text)
    assert header == ["position_id", "window_id", "net_value", "growth_pct"]
    assert rows == [{"position_id": "P00006", "window_id": "mtd", "net_value": "1200.50", "growth_pct": "15.625"},
                    {"position_id": "P00006", "window_id": "ytd", "net_value": "1200.50", "growth_pct": ""},
                    {"position_id": "P00007", "window_id": "mtd", "net_value": "99.00", "growth_pct": "15.625"}]
    assert rows[0]["position_id"] is rows[1]["position_id"] and rows[0]["window_id"] is rows[2]["window_id"]
    assert rows[0]["net_value"] is rows[1]["net_value"]
    assert all(type(r) is dict for r in rows)
    # a header alone is no row; a quoted comma and a quoted line break stay in their value
    assert csv_rows('"a","b"\n') == (["a", "b"], [])
    assert csv_rows('"a","b"\n"x,1","line\nbreak"\n')[1] == [{"a": "x,1", "b": "line\nbreak"}]


@pytest.mark.parametrize("columns", [12, 29, 30, 36])
def test_result_rows_take_less_memory_than_dicts_of_their_own_and_never_more(columns):
    header = ",".join(f'"c{i}"' for i in range(columns))
    text = header + "\n" + "".join(",".join(f'"{r}-{i}"' for i in range(columns)) + "\n" for r in range(200))
    _, rows = csv_rows(text)
    assert len(rows) == 200 and rows[7] == {f"c{i}": f"7-{i}" for i in range(columns)}
    own = sys.getsizeof(dict(rows[-1].items()))  # a dict of its own with the same items
    if columns < 30:  # CPython 3.11 shares up to 29 keys: the rows store their values only
        assert sys.getsizeof(rows[-1]) * 2 < own
    else:
        assert sys.getsizeof(rows[-1]) == own


def test_a_result_read_from_its_bytes_gives_the_rows_its_text_gives():
    # The object as S3 returns it: UTF-8, CRLF line ends, a quoted CRLF inside a value, no last line end.
    text = '"name","city"\r\n"Ravi Kumar","Pune"\r\n"Anjali\r\nDas","Kolkātā, WB"\r\n"Zoë","Thāne"'
    header, rows = csv_rows(text.encode("utf-8"))
    assert header == ["name", "city"]
    assert rows == [{"name": "Ravi Kumar", "city": "Pune"}, {"name": "Anjali\r\nDas", "city": "Kolkātā, WB"},
                    {"name": "Zoë", "city": "Thāne"}]
    assert csv_rows(text) == (header, rows)
    with pytest.raises(UnicodeDecodeError):
        csv_rows(b'"a"\n"\xff"\n')


def test_a_result_row_with_a_missing_or_extra_value_is_refused_with_its_line():
    with pytest.raises(ValueError, match="line 3 has 1 values for 2 columns"):
        csv_rows('"a","b"\n"1","2"\n"3"\n')
    with pytest.raises(ValueError, match="line 2 has 3 values for 2 columns"):
        csv_rows('"a","b"\n"1","2","3"\n')

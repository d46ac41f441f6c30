"""Scoring on CRM events: event checks, the row built from the CRM's JSON against the training
features, the CRM adapter's retries and idempotency against the fake CRM server, and the service's
answers (scored, duplicate, stale, unknown, fallback) on the SYNTHETIC CRM with moto's S3/DynamoDB/SQS."""
from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import datetime, timezone

import boto3
import pandas as pd
import pytest
from moto import mock_aws

from saleslens.offline.fake_crm import FakeCrm
from saleslens.scoring import service, store
from saleslens.scoring.columns import CREATION, PROPOSAL
from saleslens.scoring.crm import (
    CrmClient,
    CrmNotFoundError,
    CrmRejectedError,
    CrmUnavailableError,
    RetryPolicy,
    idempotency_key,
)
from saleslens.scoring.events import BadEventError, CrmEvent, envelope, parse_body
from saleslens.scoring.features import build_features
from saleslens.scoring.row import events_up_to, feature_row, model_for
from saleslens.scoring.score import clear_cache
from tests.scoring_serving import champions, cut_at, merge_cuts
from tests.scoring_synthetic import synthetic_crm

REGION = "ap-south-1"
NO_WAIT = RetryPolicy(attempts=4, backoff_seconds=0.0, timeout_seconds=5.0)


@pytest.fixture(scope="module")
def crm():
    return synthetic_crm(opportunities=3000, seed=11)


# -- events --------------------------------------------------------------------------------
def _body(**detail):
    return json.dumps({"source": "saleslens.crm", "detail-type": "OpportunityEvent", "detail": detail})


def test_an_event_parses_into_its_typed_model():
    e = parse_body(_body(opportunity_id="OPP1", version=3, event_type="PROPOSAL_SENT", occurred_at="2025-03-04T10:15:00+05:30"))
    assert e == CrmEvent("OPP1", 3, "PROPOSAL_SENT", datetime(2025, 3, 4, 4, 45, tzinfo=timezone.utc))
    # the envelope the CRM sends round-trips
    sent = envelope(e)
    assert parse_body(json.dumps({"source": sent["Source"], "detail-type": sent["DetailType"],
                                  "detail": json.loads(sent["Detail"])})) == e


def test_a_bad_event_redriven_from_the_dlq_is_read_as_its_original():
    original = _body(opportunity_id="OPP1", version=2, event_type="OPPORTUNITY_UPDATED", occurred_at="2025-03-04T10:15:00Z")
    redriven = json.dumps({"reason": "unknown_opportunity", "error": "the CRM has no opportunity OPP1", "body": original})
    assert parse_body(redriven) == parse_body(original)


@pytest.mark.parametrize("body, reason, words", [
    (_body(version=1, event_type="OPPORTUNITY_CREATED", occurred_at="2025-01-01T00:00:00Z"), "missing_fields", "opportunity_id"),
    (_body(opportunity_id="O", event_type="OPPORTUNITY_CREATED"), "missing_fields", "version, occurred_at"),
    (_body(opportunity_id="O", version="2", event_type="OPPORTUNITY_CREATED", occurred_at="2025-01-01T00:00:00Z"),
     "malformed", "version must be an integer"),
    (_body(opportunity_id="O", version=0, event_type="OPPORTUNITY_CREATED", occurred_at="2025-01-01T00:00:00Z"),
     "malformed", ">= 1"),
    (_body(opportunity_id="O", version=1, event_type="CLOSED", occurred_at="2025-01-01T00:00:00Z"), "malformed", "CLOSED"),
    (_body(opportunity_id="O", version=1, event_type="OPPORTUNITY_CREATED", occurred_at="2025-01-01T00:00:00"),
     "malformed", "no time zone"),
    (_body(opportunity_id="O", version=1, event_type="OPPORTUNITY_CREATED", occurred_at="yesterday"), "malformed", "ISO-8601"),
    ("not json", "malformed", "not JSON"),
    (json.dumps({"source": "aws.s3", "detail-type": "Object Created", "detail": {}}), "malformed", "not a CRM opportunity event"),
])
def test_a_bad_event_is_refused_with_its_reason(body, reason, words):
    with pytest.raises(BadEventError, match=words) as err:
        parse_body(body)
    assert err.value.reason == reason


# -- the row from the CRM's JSON == the training row at the model's cutoff ------------------
@pytest.mark.parametrize("model, event_type", [(CREATION, "CREATED"), (PROPOSAL, "PROPOSAL_SENT")])
def test_the_row_built_from_the_crm_equals_the_training_row_at_the_cutoff(crm, model, event_type):
    expected = build_features(model, crm.accounts, crm.opportunities, crm.events).set_index("opportunity_id")
    # opportunities whose owner has closed deals before the cutoff, so the prior record is exercised
    ids = [i for i in expected.index if expected.loc[i, "owner_prior_won"] > 0][:25]
    checked = 0
    with FakeCrm(crm.accounts, crm.opportunities, crm.events) as fake:
        client = CrmClient(fake.url, NO_WAIT)
        for opportunity_id in ids:
            opp = client.opportunity(opportunity_id)
            events = client.events(opportunity_id)
            # the CRM as the event of the cutoff announced it: the versions up to that event
            at = next(e for e in events_up_to(events, 10**6) if e["event_type"] == event_type)
            kept = events_up_to(events, at["version"])
            assert model_for(kept) == model
            got = feature_row(model, at["event_at"], opp, kept, client.account(opp["account_id"]),
                              client.closed_opportunities(owner_employee_id=opp["owner_employee_id"]),
                              client.closed_opportunities(account_id=opp["account_id"]))
            want = expected.loc[opportunity_id]
            for name, value in got.items():
                w = want[name]
                if isinstance(value, float):
                    assert (math.isnan(value) and pd.isna(w)) or value == pytest.approx(float(w), rel=1e-9), (opportunity_id, name)
                else:
                    assert value == w, (opportunity_id, name)
            checked += 1
    assert checked == 25


# -- the adapter against the fake CRM ------------------------------------------------------
def test_the_adapter_retries_5xx_with_backoff_and_not_4xx(crm):
    waits = []
    with FakeCrm(crm.accounts, crm.opportunities, crm.events) as fake:
        client = CrmClient(fake.url, RetryPolicy(attempts=4, backoff_seconds=0.25, timeout_seconds=5.0), sleep=waits.append)
        fake.fail_next(2, 503)
        assert client.opportunity("OPP0000001")["opportunity_id"] == "OPP0000001"
        assert client.calls == 3 and waits == [0.25, 0.5]  # 0.25 x 2^0, 0.25 x 2^1
        fake.fail_next(4, 500)
        with pytest.raises(CrmUnavailableError, match="500"):
            client.account("ACC000001")
        assert client.calls == 3 + 4
        with pytest.raises(CrmNotFoundError):
            client.opportunity("OPP-NOPE")
        assert client.calls == 3 + 4 + 1  # a 404 is not retried
        fake.fail_next(1, 409)
        with pytest.raises(CrmRejectedError) as err:
            client.account("ACC000001")
        assert err.value.status == 409 and client.calls == 3 + 4 + 1 + 1


def test_a_write_back_retried_after_a_500_is_recorded_once(crm):
    with FakeCrm(crm.accounts, crm.opportunities, crm.events) as fake:
        client = CrmClient(fake.url, NO_WAIT)
        key = idempotency_key("OPP0000001", 4, "creation-x")
        assert key == "OPP0000001:v4:creation-x"
        fake.fail_next(1, 500)
        first = client.write_score("OPP0000001", key, {"score": 3})
        again = client.write_score("OPP0000001", key, {"score": 3})  # a redelivered event
        assert (first.status, again.status) == (201, 200)
        assert [w.key for w in fake.writes()] == [key]
        assert len(fake.received()) == 2  # the failed attempt never reached the store


# -- the service ---------------------------------------------------------------------------
@pytest.fixture()
def aws():
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="models", CreateBucketConfiguration={"LocationConstraint": REGION})
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(TableName="scores", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": store.KEY, "KeyType": "HASH"},
                                    {"AttributeName": store.SORT_KEY, "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in (store.KEY, store.SORT_KEY)])
        sqs = boto3.client("sqs", region_name=REGION)
        yield s3, ddb, sqs
    clear_cache()


SETTINGS = service.ScoringSettings("x", 5.0, 4, 0.0, "models/opportunity_scoring", 200, 200, 400)


@pytest.fixture(scope="module")
def trained(crm):
    return champions(crm)


def _deps(fake, s3, ddb, settings=SETTINGS, now=datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)):
    return service.Deps(crm=CrmClient(fake.url, NO_WAIT), s3=s3, ddb=ddb, models_bucket="models", scores_table="scores",
                        settings=replace(settings, crm_endpoint=fake.url), now=lambda: now)


def _open_ids(crm, n):
    """Opportunities with a proposal, late in the history (their owners and accounts have closes before)."""
    proposed = crm.events.loc[crm.events["event_type"] == "PROPOSAL_SENT", "opportunity_id"]
    return sorted(proposed)[-n:]


def test_created_and_proposal_events_score_write_back_and_store(crm, trained, aws):
    s3, ddb, _ = aws
    a, b = _open_ids(crm, 2)
    cut_a, created = cut_at(crm, a, "CREATED")
    cut_b, proposal = cut_at(crm, b, "PROPOSAL_SENT")
    for artefact in trained.values():
        service.publish_champion(s3, "models", SETTINGS.model_prefix, artefact)
    with FakeCrm(*_frames(merge_cuts(crm, (a, cut_a), (b, cut_b)))) as fake:
        deps = _deps(fake, s3, ddb)
        first = service.score_event(created, deps)
        second = service.score_event(proposal, deps)
        again = service.score_event(created, deps)  # redelivered: answered from the table
        writes = {w.opportunity_id: w for w in fake.writes()}
    assert (first.status, second.status, again.status) == ("scored", "scored", "duplicate")
    assert first.record.model == CREATION and first.record.kind == "fallback"
    assert first.record.basis.startswith("fallback: minimum history not met")  # the creation champion is the fallback
    assert second.record.model == PROPOSAL and second.record.kind == "lightgbm" and second.record.basis == "model"
    assert len(second.record.positive) + len(second.record.negative) == 6  # top 3 of each sign
    assert set(writes) == {a, b}
    assert writes[a].key == f"{a}:v{created.version}:{trained[CREATION].version}"
    assert writes[b].payload["score"] == second.record.score and 1 <= second.record.score <= 5
    stored = store.history(ddb, "scores", b)
    assert [r.model_version for r in stored] == [trained[PROPOSAL].version]
    assert stored[0].probability == pytest.approx(second.record.probability)


def test_a_model_short_of_the_configured_history_scores_with_its_fallback(crm, trained, aws):
    s3, ddb, _ = aws
    [b] = _open_ids(crm, 1)
    cut_b, proposal = cut_at(crm, b, "PROPOSAL_SENT")
    service.publish_champion(s3, "models", SETTINGS.model_prefix, trained[PROPOSAL])
    with FakeCrm(*_frames(merge_cuts(crm, (b, cut_b)))) as fake:
        out = service.score_event(proposal, _deps(fake, s3, ddb, replace(SETTINGS, min_history_won=10**6)))
    assert out.record.kind == "fallback" and "minimum history not met" in out.record.basis
    assert out.record.model_version == trained[PROPOSAL].version
    table = trained[PROPOSAL].fallback
    assert out.record.probability in set(table.rates.values()) | {table.overall}


def test_stale_and_unknown_events_are_bad_with_their_reason(crm, trained, aws):
    s3, ddb, sqs = aws
    [b] = _open_ids(crm, 1)
    cut_b, proposal = cut_at(crm, b, "PROPOSAL_SENT")
    for artefact in trained.values():
        service.publish_champion(s3, "models", SETTINGS.model_prefix, artefact)
    with FakeCrm(*_frames(merge_cuts(crm, (b, cut_b)))) as fake:
        deps = _deps(fake, s3, ddb)
        reasons = {}
        for name, event in (("older", replace(proposal, version=proposal.version - 1)),
                            ("unknown", replace(proposal, opportunity_id="OPP-NOPE"))):
            with pytest.raises(BadEventError) as err:
                service.score_event(event, deps)
            reasons[name] = err.value
        service.score_event(proposal, deps)
        # the CRM then moves on to a newer version and a score of it is stored: the old event is stale
        fake.state.opportunities[b]["version"] = proposal.version + 1
        with pytest.raises(BadEventError, match="the CRM holds version"):
            service.score_event(proposal, deps)
        assert len(fake.writes()) == 1
    assert reasons["older"].reason == "stale_version" and "the CRM holds version" in str(reasons["older"])
    assert reasons["unknown"].reason == "unknown_opportunity"
    url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    service.dead_letter(sqs, url, "{\"x\": 1}", reasons["unknown"])
    [msg] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert msg["MessageAttributes"]["reason"]["StringValue"] == "unknown_opportunity"
    assert json.loads(msg["Body"]) == {"reason": "unknown_opportunity", "error": str(reasons["unknown"]), "body": "{\"x\": 1}"}


def test_no_champion_is_transient(crm, aws):
    s3, ddb, _ = aws
    [b] = _open_ids(crm, 1)
    cut_b, proposal = cut_at(crm, b, "PROPOSAL_SENT")
    with FakeCrm(*_frames(merge_cuts(crm, (b, cut_b)))) as fake:
        with pytest.raises(service.NoChampionError, match="no proposal champion"):
            service.score_event(proposal, _deps(fake, s3, ddb))
        assert fake.writes() == []


def test_trend_compares_with_the_latest_score_a_week_before():
    def rec(at, score):
        return store.ScoreRecord("O", at, 1, "X", "creation", "v", "fallback", "b", 0.1, score)
    newest_first = [rec("2026-01-15T00:00:00.000000Z", 4), rec("2026-01-10T00:00:00.000000Z", 3),
                    rec("2026-01-08T00:00:00.000000Z", 2), rec("2026-01-01T00:00:00.000000Z", 1)]
    latest, week_ago = store.trend(newest_first)
    assert (latest.score, week_ago.score) == (4, 2)  # 2026-01-08 is the first at or before 01-15 minus 7 days


def _frames(c):
    return c.accounts, c.opportunities, c.events

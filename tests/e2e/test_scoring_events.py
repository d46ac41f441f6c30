"""Scoring on CRM events end to end, offline: the fake CRM holds the SYNTHETIC CRM
(tests/scoring_synthetic.py) as it stands at each event, champions trained by the library are
published, and CRM events go through the CRM events bus -> scoring queue -> score-opportunity.
Each opportunity's score is written back to the CRM exactly once (a redelivery and a retry after
the CRM's 500s included), each score is in the scores table, and each bad event is in the DLQ with
its reason."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from saleslens import components
from saleslens.scoring import store
from saleslens.scoring.columns import CREATION, PROPOSAL
from saleslens.scoring.events import CREATED, CrmEvent
from tests.scoring_serving import champions, cut_at, merge_cuts
from tests.scoring_synthetic import synthetic_crm

pytestmark = pytest.mark.e2e


def test_crm_events_are_scored_written_back_once_and_bad_ones_dead_lettered(aws):
    crm = synthetic_crm(opportunities=3000, seed=11)
    trained = champions(crm)
    proposed = sorted(crm.events.loc[crm.events["event_type"] == "PROPOSAL_SENT", "opportunity_id"])
    a, b, c = proposed[-3:]
    cut_a, created_a = cut_at(crm, a, "CREATED")
    cut_b, proposal_b = cut_at(crm, b, "PROPOSAL_SENT")
    cut_c, proposal_c = cut_at(crm, c, "PROPOSAL_SENT")
    merged = merge_cuts(crm, (a, cut_a), (b, cut_b), (c, cut_c))
    aws.load_crm(merged.accounts, merged.opportunities, merged.events)
    for artefact in trained.values():
        aws.publish_champion(artefact)

    # 1. a created and b's first proposal, with three bad events: an unknown opportunity, a stale
    #    version of b, and one without its version and time
    aws.emit_crm_events([created_a, proposal_b, CrmEvent("OPP-UNKNOWN", 1, CREATED, datetime(2025, 1, 2, tzinfo=timezone.utc)),
                         replace(proposal_b, version=proposal_b.version - 1)])
    aws.emit_raw_crm_event({"opportunity_id": a, "event_type": "OPPORTUNITY_UPDATED"})
    first = aws.deliver_scoring_events()
    assert first["messages"] == 5 and first["failed"] == 0  # bad events are acknowledged, not retried

    # 2. the CRM answers 500 to every attempt of c's first delivery: the batch item fails, the
    #    queue redelivers it, the second delivery scores it
    aws.crm.fail_next(aws.cfg.scoring.crm_attempts, 500)
    aws.emit_crm_events([proposal_c])
    second = aws.deliver_scoring_events()
    assert (second["messages"], second["failed"]) == (2, 1)

    # 3. b's event delivered again: answered from the scores table, nothing written to the CRM
    aws.emit_crm_events([proposal_b])
    assert aws.deliver_scoring_events()["failed"] == 0

    writes = aws.crm.writes()
    assert sorted(w.opportunity_id for w in writes) == sorted([a, b, c])
    assert len(aws.crm.received()) == 3  # one POST each: no double write, the 500s hit the first GET
    by_id = {w.opportunity_id: w for w in writes}
    assert by_id[a].key == f"{a}:v{created_a.version}:{trained[CREATION].version}"
    assert by_id[b].key == f"{b}:v{proposal_b.version}:{trained[PROPOSAL].version}"

    ddb, table = aws.client("dynamodb"), aws.cfg.name(components.OPPORTUNITY_SCORES_TABLE)
    records = {i: store.history(ddb, table, i) for i in (a, b, c)}
    assert all(len(r) == 1 for r in records.values())
    ra, rb, rc = records[a][0], records[b][0], records[c][0]
    # creation: the champion is the fallback table (training found its history short), and says so
    assert (ra.model, ra.kind, ra.opportunity_version) == (CREATION, "fallback", created_a.version)
    assert ra.basis.startswith("fallback: minimum history not met")
    # proposal: the LightGBM champion, its probability, score and reasons as written back
    for r, w in ((rb, by_id[b]), (rc, by_id[c])):
        assert (r.model, r.kind, r.basis, r.model_version) == (PROPOSAL, "lightgbm", "model", trained[PROPOSAL].version)
        assert 1 <= r.score <= 5 and 0 < r.probability < 1 and len(r.positive) + len(r.negative) == 6
        assert (w.payload["score"], w.payload["positive_factors"], w.payload["negative_factors"]) == (
            r.score, list(r.positive), list(r.negative))

    dead = aws.scoring_dead_letters()
    assert sorted(d["reason"] for d in dead) == ["missing_fields", "stale_version", "unknown_opportunity"]
    for d in dead:
        assert d["body"]["reason"] == d["reason"] and d["body"]["error"]
        assert '"source": "saleslens.crm"' in d["body"]["body"]  # the original event, whole
    stale = next(d for d in dead if d["reason"] == "stale_version")
    assert f"the CRM holds version {proposal_b.version}" in stale["body"]["error"]

    # the CLI reads the same record back from the embedded AWS (AWS_ENDPOINT_URL points at it)
    from typer.testing import CliRunner

    from saleslens.cli import app

    shown = CliRunner().invoke(app, ["model", "score", "--opportunity", b])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == f"Scores of opportunity {b}, newest first"
    row = lines[2].split()
    assert row[:5] == [rb.scored_at, str(proposal_b.version), PROPOSAL, "lightgbm", str(rb.score)]
    assert "Trend since last week: no score 7 or more days before the latest" in shown.output
    assert all(f"  + {t}" in lines for t in rb.positive) and all(f"  - {t}" in lines for t in rb.negative)
    emitted = CliRunner().invoke(app, ["model", "emit-events", "--opportunity", b, "--version", str(proposal_b.version),
                                       "--type", "PROPOSAL_SENT", "--occurred-at", "2025-01-01T00:00:00Z"])
    assert emitted.exit_code == 0, emitted.output
    assert aws.deliver_scoring_events()["messages"] == 1 and len(aws.crm.received()) == 3  # a duplicate: no write

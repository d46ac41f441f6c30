"""Retention of personal data: the lifecycle rules and TTLs the stacks deploy, each equal to the
config (the expected days are written out from config/saleslens.json: retention, and
lake.reports_expiry_days for the rendered reports)."""
from __future__ import annotations

from typing import Any, Dict, List

import pytest

from tests.infra.test_compute import function_environment
from tests.infra.test_delivery import ledger as delivery_ledger
from tests.infra.test_lake import lifecycle

pytestmark = pytest.mark.infra


def expiring(synth, zone: str) -> Dict[str, Dict[str, Any]]:
    """The zone bucket's rules that expire objects under a prefix, by prefix."""
    return {r["Prefix"]: r for r in lifecycle(synth, zone) if "Prefix" in r}


def rule(rule_id: str, prefix: str, days: int) -> Dict[str, Any]:
    # An expired object's earlier versions go a day later (the bucket-wide rule keeps others 90 days).
    return {"Id": rule_id, "Prefix": prefix, "ExpirationInDays": days, "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
            "Status": "Enabled"}


def test_reports_and_their_delivery_records_expire_after_their_retention(synth):
    assert expiring(synth, "reports") == {
        "reports/": rule("expire-reports", "reports/", 400),  # lake.reports_expiry_days
        "runs/": rule("expire-run-files", "runs/", 35),  # retention.delivery_records_days
    }


def test_quarantined_personal_data_expires_after_its_retention(synth):
    # retention.quarantined_personal_days: files refused whole, and the rejected rows of every
    # dataset with a personal column (HR employees and assignments, CRM HCPs, MDM devices)
    assert expiring(synth, "quarantine") == {
        "_files/": rule("expire-refused-files", "_files/", 90),
        "hr/employees/": rule("expire-rejects-hr-employees", "hr/employees/", 90),
        "hr/assignments/": rule("expire-rejects-hr-assignments", "hr/assignments/", 90),
        "crm/hcps/": rule("expire-rejects-crm-hcps", "crm/hcps/", 90),
        "mdm/devices/": rule("expire-rejects-mdm-devices", "mdm/devices/", 90),
    }


def test_raw_files_with_personal_data_expire_after_their_retention_and_the_rest_only_move(synth):
    # retention.landing_personal_days
    assert expiring(synth, "landing") == {
        "hr/employees/": rule("expire-raw-hr-employees", "hr/employees/", 90),
        "hr/assignments/": rule("expire-raw-hr-assignments", "hr/assignments/", 90),
        "crm/hcps/": rule("expire-raw-crm-hcps", "crm/hcps/", 90),
        "mdm/devices/": rule("expire-raw-mdm-devices", "mdm/devices/", 90),
    }
    whole_bucket: List[Dict[str, Any]] = [r for r in lifecycle(synth, "landing") if "Prefix" not in r]
    assert not any("ExpirationInDays" in r for r in whole_bucket)


def test_the_clean_and_curated_zones_keep_their_history(synth):
    # The HR rows there are the hierarchy's history; a person's personal columns go on request
    # (saleslens erase), not by age.
    for zone in ("clean", "curated"):
        assert not any("ExpirationInDays" in r for r in lifecycle(synth, zone)), zone


def test_delivery_ledger_records_expire_after_their_retention(synth):
    assert delivery_ledger(synth)["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    # render-report sets each record's expiration from retention.delivery_ledger_days
    assert function_environment(synth, "render-report")["DELIVERY_LEDGER_TTL_DAYS"] == "400"

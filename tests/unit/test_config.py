"""The config file and its schema: every bad value is refused at load with one line naming the
file, the key path and the rule; every default lives in one place."""
from __future__ import annotations

import copy
import json
import re
import typing
from dataclasses import MISSING, fields, is_dataclass
from typing import Any, Callable, Dict, Iterator, Tuple

import pytest

from saleslens.config import DEFAULT_CONFIG, PROJECT_ROOT, Config, ConfigError, QualityThresholds, load_config
from saleslens.errors import SalesLensError

RAW = json.loads(DEFAULT_CONFIG.read_text())


def test_default_config_names_resources():
    cfg = load_config()
    assert cfg.name("conform") == "saleslens-dev-conform"
    assert cfg.bucket_name("landing", "123456789012") == "saleslens-dev-landing-123456789012-ap-south-1"
    assert cfg.glue_database == "saleslens_dev"
    assert (cfg.links.token_lifetime_days, cfg.links.redirect_lifetime_seconds) == (30, 300)  # from the json


def test_unknown_zone_is_refused():
    with pytest.raises(ConfigError, match="unknown lake zone 'raw'"):
        load_config().bucket_name("raw", "123456789012")


def test_config_errors_are_named_project_errors():
    assert issubclass(ConfigError, SalesLensError) and issubclass(ConfigError, ValueError)


def _set(path: str, value: Any) -> Callable[[Dict[str, Any]], None]:
    def apply(raw: Dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = raw
        for key in parents:
            node = node[key]
        node[last] = value
    return apply


def _drop(path: str) -> Callable[[Dict[str, Any]], None]:
    def apply(raw: Dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = raw
        for key in parents:
            node = node[key]
        del node[last]
    return apply


# Each: how the file is broken -> the whole line after "c.json: ".
BAD_VALUES = [
    # the reviewer's three
    (_set("ingest.quality.default.max_quarantined_share", 7),
     "ingest.quality.default.max_quarantined_share: must be <= 1 (a share of the rows in), got 7"),
    (_set("links.redirect_lifetime_seconds", "300"),
     'links.redirect_lifetime_seconds: must be an integer, got a string "300"'),
    (_set("links.redirect_lifetime_seconds", 900000),
     "links.redirect_lifetime_seconds: must be <= 604800 (SigV4 presigned URL maximum), got 900000"),
    # ranges and types
    (_set("ingest.quality.datasets.hr_positions.max_quarantined_share", -0.1),
     "ingest.quality.datasets.hr_positions.max_quarantined_share: must be >= 0 (a share of the rows in), got -0.1"),
    (_set("links.redirect_lifetime_seconds", 0),
     "links.redirect_lifetime_seconds: must be >= 30 (a browser must be able to follow the redirect), got 0"),
    (_set("links.token_lifetime_days", 500),
     "links.token_lifetime_days: must be <= 400 (a report expires from the lake after 400 days at most), got 500"),
    (_set("lake.reports_expiry_days", True), "lake.reports_expiry_days: must be an integer, got a boolean true"),
    (_set("lake.reports_expiry_days", 30.5), "lake.reports_expiry_days: must be an integer, got a number 30.5"),
    (_set("lake.landing_transition_to_ia_days", 7),
     "lake.landing_transition_to_ia_days: must be >= 30 (S3 moves objects to STANDARD_IA only after 30 days), got 7"),
    (_set("calendar.fiscal_year_start_month", 13), "calendar.fiscal_year_start_month: must be <= 12, got 13"),
    (_set("kpi.dcr_allowed_days", -1), "kpi.dcr_allowed_days: must be >= 0, got -1"),
    (_set("lake", [1, 2]), "lake: must be an object, got an array [1, 2]"),
    # enums
    (_set("logs.retention_days", 100),
     "logs.retention_days: must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, "
     "2192, 2557, 2922, 3288, 3653 (CloudWatch Logs retention periods), got 100"),
    (_set("deploy.lambda_log_level", "LOUD"),
     'deploy.lambda_log_level: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got "LOUD"'),
    (_set("calendar.main_country", "XX"), 'calendar.main_country: must be one of IN, LK, NP, got "XX"'),
    (_set("calendar.weekly_off.NP", "SATURDAY"),
     'calendar.weekly_off.NP: must be one of MON, TUE, WED, THU, FRI, SAT, SUN, got "SATURDAY"'),
    # patterns
    (_set("stage", ""), 'stage: must be lowercase letters, digits and hyphens, starting with a letter and not ending '
                        'with a hyphen, got ""'),
    (_set("stage", "Prod 1"), 'stage: must be lowercase letters, digits and hyphens, starting with a letter and not '
                              'ending with a hyphen, got "Prod 1"'),
    (_set("offline_account", "12"), 'offline_account: must be a 12-digit AWS account id, got "12"'),
    (_set("distribution.sender", "nobody"), 'distribution.sender: must be an email address, got "nobody"'),
    # unknown and missing keys: a typo is an error, not a silent default
    (_set("lake.reports_expiry_dayz", 30), "lake.reports_expiry_dayz: unknown key (did you mean 'reports_expiry_days'?)"),
    (_set("stages", "dev"), "stages: unknown key (did you mean 'stage'?)"),
    (_set("distribution.cadences", ["daily"]),
     "distribution.cadences: unknown key; expected sender, email_domains, ses_max_send_rate, push_platforms, "
     "batch_size, tolerated_failure_percentage"),
    (_set("ingest.quality.datasets.erp_invoices", {}),
     "ingest.quality.datasets.erp_invoices: unknown key (did you mean 'erp_primary_invoices'?)"),
    (_set("ingest.quality.backfill.max_quarantined_shares", 0.1),
     "ingest.quality.backfill.max_quarantined_shares: unknown key (did you mean 'max_quarantined_share'?)"),
    (_drop("kpi"), "kpi: missing (required)"),
    (_drop("links.redirect_lifetime_seconds"), "links.redirect_lifetime_seconds: missing (required)"),
    (_drop("calendar.weekly_off.NP"), "calendar.weekly_off.NP: missing (required)"),
    # rules across fields
    (_set("ingest.quality.datasets.erp_targets.min_row_ratio", 2000.0),
     "ingest.quality for erp_targets: min_row_ratio (2000) must not exceed max_row_ratio (1000)"),
    # 50 x 1.5 s of work + 50 sends at 10/s over 20 containers (0.5/s each, 100 s) = 175 s, x 1.25 = 218.75
    (_set("distribution.ses_max_send_rate", 10),
     "distribution: a batch of 50 reports sent at ses_max_send_rate 10/s shared by 20 concurrent batches needs a "
     "render-report timeout of 219 s, not less than the delivery Map's task timeout (214 s in "
     "step_functions/distribute.asl.json): lower batch_size or raise ses_max_send_rate"),
    # 75 s + 50 sends at 1/s over 20 containers (0.05/s each, 1,000 s) = 1,075 s, x 1.25 = 1,343.75
    (_set("distribution.ses_max_send_rate", 1),
     "distribution: a batch of 50 reports sent at ses_max_send_rate 1/s shared by 20 concurrent batches needs a "
     "render-report timeout of 1344 s, more than Lambda's 900 s: lower batch_size or raise ses_max_send_rate"),
    (_set("links.key_rotation_days", 30),
     "links: key_rotation_days (30) must exceed token_lifetime_days (30), or a link stops opening before it expires"),
    (_set("stage", "a-very-long-stage-name-for-buckets"),
     "project, stage: bucket names would be 83 characters, S3 allows 63: shorten the project or the stage"),
    (_set("scoring.crm_endpoint", "crm.example.com"), 'scoring.crm_endpoint: must be an http(s) URL, got "crm.example.com"'),
    (_set("scoring.crm_attempts", 0), "scoring.crm_attempts: must be >= 1, got 0"),
    # 10 events x (6 x 5 s + 0.5 x (1 + 2 + 4 + 8 + 16) s of backoff) = 10 x 45.5 s
    (_set("scoring.crm_attempts", 6),
     "scoring: a batch of 10 events with the CRM down takes 455 s (6 attempts x 5 s plus backoff, per event), more "
     "than score-opportunity's 300 s timeout: lower crm_attempts, crm_timeout_seconds or crm_backoff_seconds"),
    (_set("scoring.score_retention_days", 3),
     "scoring.score_retention_days: must be >= 8 (the trend compares with last week's score), got 3"),
]


@pytest.mark.parametrize("breaks,line", BAD_VALUES, ids=[line.split(":")[0] for _, line in BAD_VALUES])
def test_a_bad_value_is_one_line_naming_the_file_the_key_and_the_rule(tmp_path, monkeypatch, breaks, line):
    raw = copy.deepcopy(RAW)
    breaks(raw)
    (tmp_path / "c.json").write_text(json.dumps(raw))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "c.json")
    assert str(caught.value) == f"c.json: {line}"


def test_the_deployed_config_is_named_as_typed_from_the_project_root(tmp_path, monkeypatch):
    raw = copy.deepcopy(RAW)
    raw["links"]["redirect_lifetime_seconds"] = 900000
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "saleslens.json").write_text(json.dumps(raw))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SALESLENS_CONFIG", "config/saleslens.json")
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value) == ("config/saleslens.json: links.redirect_lifetime_seconds: must be <= 604800 "
                                 "(SigV4 presigned URL maximum), got 900000")


def test_several_problems_name_the_first_and_count_the_rest(tmp_path):
    raw = copy.deepcopy(RAW)
    raw["lake"]["reports_expiry_days"] = 0
    raw["kpi"]["dcr_allowed_days"] = -1
    path = tmp_path / "c.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ConfigError, match=r"lake\.reports_expiry_days: must be >= 1, got 0 \(and 1 more\)$"):
        load_config(path)


@pytest.mark.parametrize("content,message", [
    (b'{"project": "saleslens", "stage"', "not valid JSON: Expecting ':' delimiter (line 1, column 33)"),
    (b"[1, 2]", "must hold a JSON object of settings, got an array"),
    (b'"saleslens"', "must hold a JSON object of settings, got a string"),
    (b"\x8b\x08\x00binary", "not UTF-8 text (byte 0x8b at offset 0); the config is a JSON file"),
    (b'{"stage": "dev", "stage": "prod"}', "not valid JSON: key 'stage' appears twice in one object"),
    (b'{"lake": {"reports_expiry_days": NaN}}', "not valid JSON: NaN is not a JSON number"),
    (b"", "not valid JSON: Expecting value (line 1, column 1)"),
], ids=["truncated", "array", "string", "binary", "duplicate key", "NaN", "empty"])
def test_an_unreadable_file_is_one_line_naming_it(tmp_path, content, message):
    path = tmp_path / "c.json"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_missing_file_or_a_directory_is_named(tmp_path):
    with pytest.raises(ConfigError) as missing:
        load_config(tmp_path / "nope.json")
    with pytest.raises(ConfigError) as directory:
        load_config(tmp_path)
    assert str(missing.value) == f"{tmp_path / 'nope.json'}: config file not found"
    assert str(directory.value) == f"{tmp_path}: is a directory, not a config file"


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "c.json"
    path.write_bytes(b"\xef\xbb\xbf" + DEFAULT_CONFIG.read_bytes())
    assert load_config(path).stage == "dev"


def test_an_override_may_name_some_thresholds_and_inherits_the_rest():
    cfg = load_config()
    t = cfg.ingest.thresholds("hr_positions")  # its own share, the default's ratios
    assert (t.max_quarantined_share, t.min_row_ratio, t.max_row_ratio) == (0.02, 0.2, 5.0)
    b = cfg.ingest.thresholds("erp_primary_invoices_backfill")  # the backfill profile over the default
    assert (b.max_quarantined_share, b.min_row_ratio, b.max_row_ratio) == (0.05, 0.0, 1000.0)


# -- one place per default ---------------------------------------------------------------------------
def _defaults(cls: type, raw: Dict[str, Any], path: Tuple[str, ...] = ()) -> Iterator[Tuple[str, Any, Any]]:
    """(key path, default in code, value in the json) of every field with a default in code."""
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        tp, where = hints[f.name], path + (f.name,)
        if is_dataclass(tp):
            yield from _defaults(tp, raw.get(f.name, {}), where)
            continue
        default = f.default if f.default is not MISSING else (f.default_factory() if f.default_factory is not MISSING else MISSING)
        if default is not MISSING:
            yield ".".join(where), default, raw.get(f.name, "(absent)")


def test_no_default_in_code_differs_from_the_json():
    pairs = list(_defaults(Config, RAW))
    pairs += list(_defaults(QualityThresholds, RAW["ingest"]["quality"]["default"], ("ingest", "quality", "default")))
    differing = [(path, code, json_value) for path, code, json_value in pairs if code != json_value]
    assert differing == [], "defaults in code must equal config/saleslens.json (or the json omit them)"
    # The check compared something: the calendar, the ingest settings and the thresholds keep defaults.
    assert {"calendar.weekly_off", "ingest.ledger_ttl_days", "ingest.quality.default.max_quarantined_share"} <= {p for p, _, _ in pairs}


def test_the_link_lifetime_has_one_value_the_json_s():
    assert not {"token_lifetime_days", "redirect_lifetime_seconds"} & {p.split(".")[-1] for p, _, _ in _defaults(Config, RAW)}
    assert (RAW["links"]["token_lifetime_days"], RAW["links"]["redirect_lifetime_seconds"]) == (30, 300)


# -- no dead keys ------------------------------------------------------------------------------------
def _leaf_names(cls: type) -> Iterator[str]:
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        if is_dataclass(hints[f.name]):
            yield from _leaf_names(hints[f.name])
        else:
            yield f.name


# Settings read through a method of the config, which is read in their place.
READ_THROUGH = {"aws_sdk_pandas_layer_arn": "layer_arns", "powertools_layer_arn": "layer_arns"}


def test_every_setting_is_read_somewhere():
    readers = [p for d in ("src", "infra", "lambdas", "glue_jobs", "athena_sql") for p in (PROJECT_ROOT / d).rglob("*")
               if p.suffix in (".py", ".sql") and p.name not in ("config.py", "config_schema.py")]
    text = "\n".join(p.read_text(encoding="utf-8") for p in readers)
    names = set(_leaf_names(Config)) | set(_leaf_names(QualityThresholds))
    # Read: an attribute (cfg.lake.reports_expiry_days) or a quoted key (a KPI parameter in SQL).
    unread = sorted(n for n in names if not re.search(rf"\.{READ_THROUGH.get(n, n)}\b|['\"]{n}['\"]", text))
    assert unread == [], "settings nothing reads: remove them from config/saleslens.json and saleslens.config"

"""The schedules section of the config: a bad time zone or cron is one line at load."""
from __future__ import annotations

import copy
import json

import pytest

from saleslens.config import DEFAULT_CONFIG, ConfigError, load_config

RAW = json.loads(DEFAULT_CONFIG.read_text())


@pytest.mark.parametrize("path,value,line", [
    ("timezone", "India Standard Time", 'schedules.timezone: must be an IANA time zone such as Asia/Kolkata, got "India Standard Time"'),
    ("timezone", "Asia/Nowhere", "schedules.timezone: 'Asia/Nowhere' is not an IANA time zone"),
    ("daily.cron", "0 7 * * ? *",
     'schedules.daily.cron: must be a Scheduler cron expression, cron(min hour dom month dow year), got "0 7 * * ? *"'),
    ("monthly.enabled", "yes", 'schedules.monthly.enabled: must be true or false, got a string "yes"'),
])
def test_a_bad_schedule_setting_is_one_line(tmp_path, monkeypatch, path, value, line):
    raw = copy.deepcopy(RAW)
    node = raw["schedules"]
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    (tmp_path / "c.json").write_text(json.dumps(raw))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "c.json")
    assert str(caught.value) == f"c.json: {line}"


def test_the_deployed_schedules():
    s = load_config().schedules
    assert (s.timezone, s.of("daily").cron, s.of("fortnightly").cron, s.of("monthly").cron) == (
        "Asia/Kolkata", "cron(0 7 * * ? *)", "cron(0 7 1,16 * ? *)", "cron(0 7 1 * ? *)")
    assert all(s.of(c).enabled for c in ("daily", "fortnightly", "monthly"))

from __future__ import annotations

import json

import pytest

from saleslens.config import ConfigError, load_config


def test_default_config_names_resources():
    cfg = load_config()
    assert cfg.name("conform") == "saleslens-dev-conform"
    assert cfg.bucket_name("landing", "123456789012") == "saleslens-dev-landing-123456789012-ap-south-1"
    assert cfg.glue_database == "saleslens_dev"


def test_unknown_zone_is_refused():
    with pytest.raises(ConfigError, match="unknown lake zone 'raw'"):
        load_config().bucket_name("raw", "123456789012")


@pytest.mark.parametrize("patch,match", [
    ({"stage": ""}, "'stage' must be a non-empty string"),
    ({"offline_account": "12"}, "12-digit"),
    ({"lake": {"retain": True}}, "unknown keys: retain"),
    ({"distribution": {"sender": "nobody"}}, "sender must be an email"),
])
def test_bad_config_is_refused_with_a_clear_reason(tmp_path, patch, match):
    raw = json.loads(open(load_config.__globals__["DEFAULT_CONFIG"]).read())
    raw.update(patch)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ConfigError, match=match):
        load_config(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.json")

"""The schema of config/saleslens.json, enforced when the file is loaded.

Built from the dataclasses of ``saleslens.config`` (each field's type, default and ``rule``), so
the settings are declared once: a field without a default is required, an unknown key is refused
(a typo is an error, not a silent default), values are checked strictly (``"900000"`` is not an
integer). A failure is one line naming the file, the key path and the rule, e.g.
``config/saleslens.json: links.redirect_lifetime_seconds: must be <= 604800 (SigV4 presigned
URL maximum), got 900000``.

Only ``load_config`` imports this module: pydantic stays out of the Lambda and Glue import chains.
"""
from __future__ import annotations

import dataclasses
import difflib
import json
import typing
from functools import lru_cache
from typing import Annotated, Any, Callable, Dict, List, Literal, Mapping, Optional, Tuple, Type, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic import create_model as _create_model

from saleslens import config as c
from saleslens.config import ConfigError
from saleslens.contracts import DATASETS
from saleslens.contracts.hr import COUNTRIES

_STRICT = ConfigDict(extra="forbid", strict=True)
_RULE = "rule"
_BOUNDS = {"greater_than_equal": ("ge", ">="), "greater_than": ("gt", ">"), "less_than_equal": ("le", "<="),
           "less_than": ("lt", "<")}
_TYPES = {"int_type": "an integer", "float_type": "a number", "string_type": "a string", "bool_type": "true or false",
          "dict_type": "an object", "model_type": "an object", "list_type": "an array"}


def _field(tp: Any, r: Mapping[str, Any], default: Any = ..., optional: bool = False) -> Tuple[Any, Any]:
    """A model field: the type narrowed by the rule; the rule itself kept for error messages."""
    if "choices" in r:
        tp = Literal[tuple(r["choices"])]  # type: ignore[misc]
    bounds = {k: r[k] for k in ("ge", "gt", "le", "pattern") if k in r}
    if bounds:
        tp = Annotated[tp, Field(**bounds)]
    if optional:
        tp = Optional[tp]
    return Annotated[tp, Field(json_schema_extra={_RULE: dict(r)})], default


# pydantic's overloads cannot type field definitions built at run time.
create_model = cast(Callable[..., Type[BaseModel]], _create_model)


@lru_cache(maxsize=None)
def _model(cls: type, partial: bool = False) -> Type[BaseModel]:
    """The model of one config dataclass; ``partial``: every field optional and without default
    (an override of some of the fields, as ingest.quality's backfill and dataset profiles are)."""
    hints = typing.get_type_hints(cls)
    fields: Dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        tp = _SPECIAL[(cls, f.name)]() if (cls, f.name) in _SPECIAL else hints[f.name]
        if dataclasses.is_dataclass(tp):
            tp = _model(cast(type, tp))
        elif _list_of_dataclass(tp):
            tp = List[_model(typing.get_args(tp)[0])]  # type: ignore[misc]
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        if partial:
            fields[f.name] = _field(tp, f.metadata.get(_RULE, {}), None, optional=True)
        else:
            fields[f.name] = _field(tp, f.metadata.get(_RULE, {}), _default(f) if has_default else ...)
    return create_model(f"{cls.__name__}{'Override' if partial else ''}", __config__=_STRICT, **fields)


def _list_of_dataclass(tp: Any) -> bool:
    """List[X] of a config dataclass X (the scorecard's themes, objectives and measures)."""
    args = typing.get_args(tp)
    return typing.get_origin(tp) is list and len(args) == 1 and dataclasses.is_dataclass(args[0])


def _default(f: "dataclasses.Field[Any]") -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    return cast(Callable[[], Any], f.default_factory)()


def _weekly_off() -> Type[BaseModel]:
    # Every country of the HR contract, each with one weekday.
    day = _field(str, {"choices": c.WEEKDAYS})
    return create_model("WeeklyOff", __config__=_STRICT, **{country: day for country in COUNTRIES})


def _main_country() -> Any:
    return Literal[tuple(COUNTRIES)]  # type: ignore[misc]


def _quality() -> Type[BaseModel]:
    override = _model(c.QualityThresholds, partial=True)
    datasets = create_model("QualityByDataset", __config__=_STRICT,
                            **{name: (Optional[override], None) for name in DATASETS})
    return create_model("Quality", __config__=_STRICT, default=(_model(c.QualityThresholds), ...),
                        backfill=(Optional[override], None), datasets=(Optional[datasets], None))


# Fields whose schema is richer than their dataclass annotation.
_DOMAIN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


def _email_domains() -> Any:
    # Lower-case DNS names; at least one, none twice.
    return Annotated[List[Annotated[str, Field(pattern=_DOMAIN, max_length=253)]], Field(min_length=1)]


def _push_platforms() -> Any:
    from saleslens.contracts.mdm import PLATFORMS

    return List[Literal[PLATFORMS]]  # type: ignore[valid-type]


_SPECIAL = {
    (c.DistributionConfig, "email_domains"): _email_domains,
    (c.DistributionConfig, "push_platforms"): _push_platforms,
    (c.CalendarConfig, "weekly_off"): _weekly_off,
    (c.CalendarConfig, "main_country"): _main_country,
    (c.IngestConfig, "quality"): _quality,
}


def validate(raw: Dict[str, Any], shown: str) -> c.Config:
    """The Config of a parsed config file, or a one-line ConfigError."""
    try:
        _model(c.Config).model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(f"{shown}: {describe(errors[0])}{more}") from None
    cfg = _build(c.Config, raw)
    for problem in _cross_checks(cfg):
        raise ConfigError(f"{shown}: {problem}")
    return cfg


def _build(cls: type, raw: Dict[str, Any]) -> Any:
    """The dataclass of validated raw values (sub-sections become their dataclasses)."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in raw:
            continue  # a field with a default, not given
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            values[f.name] = _build(cast(type, tp), raw[f.name])
        elif _list_of_dataclass(tp):
            values[f.name] = [_build(typing.get_args(tp)[0], item) for item in raw[f.name]]
        else:
            values[f.name] = raw[f.name]
    return cls(**values)


def _cross_checks(cfg: c.Config) -> List[str]:
    """Rules that span fields."""
    problems = []
    longest = max(len(cfg.bucket_name(zone, cfg.offline_account)) for zone in c.ZONES)
    if longest > c.S3_BUCKET_NAME_MAX:
        problems.append(f"project, stage: bucket names would be {longest} characters, S3 allows "
                        f"{c.S3_BUCKET_NAME_MAX}: shorten the project or the stage")
    if cfg.links.key_rotation_days <= cfg.links.token_lifetime_days:
        problems.append(f"links: key_rotation_days ({cfg.links.key_rotation_days}) must exceed token_lifetime_days "
                        f"({cfg.links.token_lifetime_days}), or a link stops opening before it expires")
    problems += _pacing_fits_a_batch(cfg)
    problems += _scorecard_bindings(cfg)
    problems += _crm_retries_fit_a_batch(cfg)
    if cfg.forecast.interval_lower >= cfg.forecast.interval_upper:
        problems.append(f"forecast: interval_lower ({cfg.forecast.interval_lower:g}) must be below interval_upper "
                        f"({cfg.forecast.interval_upper:g})")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(cfg.schedules.timezone)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        problems.append(f"schedules.timezone: {cfg.schedules.timezone!r} is not an IANA time zone")
    for dataset in DATASETS:
        t = cfg.ingest.thresholds(dataset)
        if t.min_row_ratio > t.max_row_ratio:
            problems.append(f"ingest.quality for {dataset}: min_row_ratio ({t.min_row_ratio:g}) must not exceed "
                            f"max_row_ratio ({t.max_row_ratio:g})")
        if t.min_history > t.history_runs:
            problems.append(f"ingest.quality for {dataset}: min_history ({t.min_history}) must not exceed history_runs "
                            f"({t.history_runs}), or the row-count check never runs")
    return problems


def _crm_retries_fit_a_batch(cfg: c.Config) -> List[str]:
    """With the CRM down, each event of a score-opportunity batch spends one CRM call's retry
    ladder (every attempt timing out, the backoffs between): a full batch must fail within the
    function's timeout, so its items are reported failed rather than the invocation timing out."""
    from saleslens import components

    s = cfg.scoring
    ladder = s.crm_attempts * s.crm_timeout_seconds + sum(s.crm_backoff_seconds * 2 ** i for i in range(s.crm_attempts - 1))
    timeout = components.LAMBDAS["score-opportunity"].timeout_seconds
    if components.SCORING_BATCH_SIZE * ladder > timeout:
        return [f"scoring: a batch of {components.SCORING_BATCH_SIZE} events with the CRM down takes "
                f"{components.SCORING_BATCH_SIZE * ladder:g} s ({s.crm_attempts} attempts x {s.crm_timeout_seconds:g} s "
                f"plus backoff, per event), more than score-opportunity's {timeout} s timeout: lower crm_attempts, "
                "crm_timeout_seconds or crm_backoff_seconds"]
    return []


def _pacing_fits_a_batch(cfg: c.Config) -> List[str]:
    """A render-report container sends at ses_max_send_rate / MaxConcurrency messages a second
    (delivery.pacing), so its timeout is sized to a full paced batch (components.
    render_report_timeout_seconds). That timeout must be one Lambda allows and must end before
    the delivery Map's task gives up on the invocation (step_functions/distribute.asl.json), or
    every batch fails with a timeout that hides the function's own error."""
    from saleslens import asl_budget, components

    needed = components.render_report_timeout_seconds(cfg)
    task = components.delivery_task_timeout_seconds()
    concurrency = components.delivery_map_concurrency()
    batch = (f"distribution: a batch of {cfg.distribution.batch_size} reports sent at ses_max_send_rate "
             f"{cfg.distribution.ses_max_send_rate}/s shared by {concurrency} concurrent batches needs a "
             f"render-report timeout of {needed} s")
    if needed > asl_budget.LAMBDA_MAX_TIMEOUT_SECONDS:
        return [f"{batch}, more than Lambda's {asl_budget.LAMBDA_MAX_TIMEOUT_SECONDS} s: lower batch_size "
                "or raise ses_max_send_rate"]
    if needed >= task:
        return [f"{batch}, not less than the delivery Map's task timeout ({task} s in "
                f"{components.STATE_MACHINES['distribute'].definition}): lower batch_size or raise ses_max_send_rate"]
    return []


def _scorecard_bindings(cfg: c.Config) -> List[str]:
    """Every scorecard measure reads a mart of athena_sql/marts and one of that view's columns."""
    from saleslens.insights.scorecard_bindings import binding_problems

    return binding_problems(cfg.scorecard)


def describe(err: Mapping[str, Any]) -> str:
    """One pydantic error as ``key.path: must ..., got ...``."""
    loc = [str(p) for p in err["loc"]]
    path = ".".join(loc) or "(top level)"
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    r = _rule_at(loc)
    got = f", got {_shown_value(value)}"
    if kind == "missing":
        return f"{path}: missing (required)"
    if kind == "extra_forbidden":
        known = _keys_at(loc[:-1])
        close = difflib.get_close_matches(loc[-1], known, n=1)
        return f"{path}: unknown key" + (f" (did you mean {close[0]!r}?)" if close else f"; expected {', '.join(known)}")
    if kind in _BOUNDS:
        name, op = _BOUNDS[kind]
        return f"{path}: must be {op} {_shown_value(ctx.get(name))}{_why(r, name)}{got}"
    if kind == "literal_error":
        choices = r.get("choices") or _literal_choices(loc)
        return f"{path}: must be one of {', '.join(map(str, choices))}{_why(r, 'choices')}{got}"
    if kind == "string_pattern_mismatch":
        return f"{path}: must be {r.get('means') or 'a match of ' + str(ctx.get('pattern'))}{got}"
    if kind in _TYPES:
        kind_of = c.json_kind(value)
        return f"{path}: must be {_TYPES[kind]}, got {kind_of}" + ("" if value is None else f" {_shown_value(value)}")
    return f"{path}: {err['msg']}{got}"


def _why(r: Mapping[str, Any], bound: str) -> str:
    why = r.get("why")
    if isinstance(why, Mapping):
        why = why.get(bound)
    return f" ({why})" if why else ""


def _shown_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # the bound 1 of a float field, not 1.0
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _walk(loc: List[str]) -> Optional[Type[BaseModel]]:
    """The model that holds the fields at ``loc`` (a path of keys from the top)."""
    model: Any = _model(c.Config)
    for part in loc:
        if typing.get_origin(model) is list and part.isdigit():
            model = _unwrap(typing.get_args(model)[0])  # an item of a list of sections
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        model = _unwrap(fields[part].annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """Optional[X] and Annotated[X, ...] -> X."""
    if typing.get_origin(tp) is Annotated:
        return _unwrap(typing.get_args(tp)[0])
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    return _unwrap(args[0]) if typing.get_origin(tp) is typing.Union and len(args) == 1 else tp


def _keys_at(loc: List[str]) -> List[str]:
    model = _walk(loc)
    return list(model.model_fields) if model is not None else []


def _rule_at(loc: List[str]) -> Mapping[str, Any]:
    model = _walk(loc[:-1])
    if model is None or loc[-1] not in model.model_fields:
        return {}
    extra = model.model_fields[loc[-1]].json_schema_extra
    return extra.get(_RULE, {}) if isinstance(extra, dict) else {}  # type: ignore[return-value]


def _literal_choices(loc: List[str]) -> Tuple[Any, ...]:
    model = _walk(loc[:-1])
    if model is None or loc[-1] not in model.model_fields:
        return ()
    return typing.get_args(_unwrap(model.model_fields[loc[-1]].annotation))

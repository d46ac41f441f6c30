"""The hash of a report's figures: what the template renders from the marts, not the HTML (which
may carry a render time) and not the person's name or address (a renamed person's figures are the
same). Two runs for the same window whose reports have the same hash show the same numbers."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from decimal import Decimal
from typing import Any, Dict

from saleslens.reports.model import Report

# Report fields that are not figures. A field added to Report that changes from run to run without
# the numbers changing (a render time, say) must be listed here, or every re-run reads as a correction.
# freshness: when each source's last file landed (the footer) moves with every file landed, and
# a correction that changes no figure of this report is not this report's correction.
NOT_FIGURES = ("recipient", "freshness")
# The recipient fields that are figures' context (which position, which role's layout).
RECIPIENT_FIGURES = ("employee_id", "position_id", "role")


def figures(report: Report) -> Dict[str, Any]:
    data = {f.name: getattr(report, f.name) for f in dataclasses.fields(report) if f.name not in NOT_FIGURES}
    data["recipient"] = {k: report.recipient.get(k) for k in RECIPIENT_FIGURES}
    return data


SECTIONED = "v2:"  # a hash made of one digest per report field (sections), see ``changed``
_DIGEST_CHARS = 16  # 64 bits of SHA-256 per section: collisions are not a practical concern here


def _digest(value: Any) -> str:
    text = json.dumps(_rounded(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def figures_hash(report: Report) -> str:
    """The report's figures as ``v2:<field>=<digest>,...``: one SHA-256 digest (first 16 hex) per
    report field, fields in name order, each serialised with sorted keys; a number with decimals
    is taken to FIGURE_PLACES places, so a floating-point sum that differs in its last bits from
    run to run (the order of a parallel aggregation) is not read as a correction. One digest per
    field lets ``changed`` tell a changed figure from a section the report did not have before."""
    parts = sorted((name, _digest(value)[:_DIGEST_CHARS]) for name, value in figures(report).items())
    return SECTIONED + ",".join(f"{name}={digest}" for name, digest in parts)


def _sections(hashed: str) -> Dict[str, str]:
    return dict(part.split("=", 1) for part in hashed[len(SECTIONED):].split(",") if part)


def changed(sent: str, now: str) -> bool:
    """Whether a report hashed ``now`` shows different figures from the one hashed ``sent``: a
    section both have whose figures differ. A section only one of them has (the report gained or
    lost a section with a release) is not a change of what the person was sent, so it sends no
    "Corrected:" email; the stored report shows the new section all the same. A hash written
    before sections were hashed one by one is compared whole."""
    if sent == now:
        return False
    if not (sent.startswith(SECTIONED) and now.startswith(SECTIONED)):
        return True
    before, after = _sections(sent), _sections(now)
    return any(before[name] != after[name] for name in before.keys() & after.keys())


FIGURE_PLACES = 4  # more than any report shows (amounts and percentages 2 places)
_DECIMAL = re.compile(r"^-?\d+\.\d+(?:[eE][-+]?\d+)?$")


def _rounded(value: Any) -> Any:
    # Exact types first: a report holds millions of strs, dicts and lists, and this runs once per
    # report (as long as rendering it took before the order changed); subclasses fall through to
    # the general checks below, which give the same result.
    kind = type(value)
    if kind is str:
        return _rounded_text(value) if "." in value else value
    if kind is dict:  # most are mart rows, text to text: their values rounded here, without a call each
        return {k if type(k) is str else str(k):
                (v if "." not in v else _TEXTS.get(v) or _rounded_text(v)) if type(v) is str else _rounded(v)
                for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_rounded(v) for v in value]
    if value is None or kind is bool or kind is int:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, str) and _DECIMAL.match(value):
        return _rounded_text(value)
    if isinstance(value, float):
        return format(round(Decimal(repr(value)), FIGURE_PLACES).normalize(), "f")
    return value if value is None or isinstance(value, (bool, int)) else str(value)


# text -> its rounded text: the same values recur across a run's reports (a usv run rounds
# 285,403 distinct texts, 10 MB kept); bounded, past the limit dropped and kept again.
_TEXTS: Dict[str, str] = {}
_TEXTS_MAX = 400_000


def _rounded_text(value: str) -> str:
    rounded = _TEXTS.get(value)
    if rounded is None:
        rounded = format(round(Decimal(value), FIGURE_PLACES).normalize(), "f") if _DECIMAL.match(value) else value
        rounded = value if rounded == value else rounded  # one object when nothing changed
        if len(_TEXTS) >= _TEXTS_MAX:
            _TEXTS.clear()
        _TEXTS[value] = rounded
    return rounded

"""The hash of a report's figures: what the template renders from the marts, not the HTML (which
may carry a render time) and not the person's name or address (a renamed person's figures are the
same). Two runs for the same window whose reports have the same hash show the same numbers."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Dict

from saleslens.reports.model import Report

# Report fields that are not figures. A field added to Report that changes from run to run without
# the numbers changing (a render time, say) must be listed here, or every re-run reads as a correction.
NOT_FIGURES = ("recipient",)
# The recipient fields that are figures' context (which position, which role's layout).
RECIPIENT_FIGURES = ("employee_id", "position_id", "role")


def figures(report: Report) -> Dict[str, Any]:
    data = {f.name: getattr(report, f.name) for f in dataclasses.fields(report) if f.name not in NOT_FIGURES}
    data["recipient"] = {k: report.recipient.get(k) for k in RECIPIENT_FIGURES}
    return data


def figures_hash(report: Report) -> str:
    """SHA-256 (hex) of the report's figures, serialised with sorted keys."""
    text = json.dumps(figures(report), default=_plain, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return str(value)

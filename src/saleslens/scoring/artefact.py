"""The versioned model artefact: everything scoring needs, as one JSON document (bytes for S3).

Kinds: ``lightgbm`` (model text + Platt calibration) and ``fallback`` (the account type x source
table alone, used until the minimum history exists). Every artefact carries the fallback table,
which is also its baseline. The version is ``<model>-<trained_at UTC>-<first 12 hex of the SHA-256
of the content>``, so two artefacts with one version hold the same content.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from saleslens.scoring.bands import DEFAULT_BANDS, check_bands
from saleslens.scoring.calibration import Platt
from saleslens.scoring.fallback import FallbackTable

FORMAT = 1
LIGHTGBM = "lightgbm"
FALLBACK = "fallback"
KINDS = (LIGHTGBM, FALLBACK)
S3_PREFIX = "models/opportunity_scoring"


class ArtefactError(ValueError):
    """An artefact that cannot be read or does not hold what its kind needs."""


@dataclass(frozen=True)
class ModelArtefact:
    model: str
    kind: str
    version: str
    feature_names: Tuple[str, ...]
    levels: Dict[str, List[str]]
    fallback: FallbackTable
    bands: Tuple[float, ...] = DEFAULT_BANDS
    calibration: Optional[Platt] = None
    model_text: Optional[str] = None
    metadata: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "format": FORMAT, "model": self.model, "kind": self.kind, "version": self.version,
            "feature_names": list(self.feature_names), "levels": {k: list(v) for k, v in self.levels.items()},
            "bands": list(self.bands),
            "calibration": None if self.calibration is None else {"method": "platt", "a": self.calibration.a, "b": self.calibration.b},
            "fallback": self.fallback.to_dict(), "model_text": self.model_text, "metadata": self.metadata,
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":")).encode("utf-8")

    @property
    def s3_key(self) -> str:
        return f"{S3_PREFIX}/{self.model}/{self.version}.json"


def from_bytes(data: bytes) -> ModelArtefact:
    try:
        d = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtefactError(f"model artefact is not JSON: {exc}") from exc
    if d.get("format") != FORMAT:
        raise ArtefactError(f"model artefact format {d.get('format')!r}; this code reads format {FORMAT}")
    cal = d.get("calibration")
    artefact = ModelArtefact(
        model=d["model"], kind=d["kind"], version=d["version"], feature_names=tuple(d["feature_names"]),
        levels={k: list(v) for k, v in d["levels"].items()}, fallback=FallbackTable.from_dict(d["fallback"]),
        bands=check_bands(d["bands"]), calibration=None if cal is None else Platt(float(cal["a"]), float(cal["b"])),
        model_text=d.get("model_text"), metadata=dict(d.get("metadata") or {}),
    )
    _check(artefact)
    return artefact


def build(model: str, kind: str, feature_names: Tuple[str, ...], levels: Dict[str, List[str]], fallback: FallbackTable,
          trained_at: datetime, metadata: Dict[str, Any], bands: Tuple[float, ...] = DEFAULT_BANDS,
          calibration: Optional[Platt] = None, model_text: Optional[str] = None) -> ModelArtefact:
    """An artefact whose version names its model, training time and content hash."""
    draft = ModelArtefact(model, kind, "", tuple(feature_names), levels, fallback, check_bands(bands), calibration,
                          model_text, dict(metadata, trained_at=trained_at.strftime("%Y-%m-%dT%H:%M:%SZ")))
    _check(draft)
    digest = hashlib.sha256(draft.to_bytes()).hexdigest()[:12]
    version = f"{model}-{trained_at:%Y%m%dT%H%M%SZ}-{digest}"
    return ModelArtefact(model, kind, version, draft.feature_names, draft.levels, fallback, draft.bands, calibration,
                         model_text, draft.metadata)


def _check(a: ModelArtefact) -> None:
    if a.kind not in KINDS:
        raise ArtefactError(f"unknown artefact kind {a.kind!r}; expected one of {KINDS}")
    if a.kind == LIGHTGBM and (a.model_text is None or a.calibration is None):
        raise ArtefactError("a lightgbm artefact needs its model text and calibration")

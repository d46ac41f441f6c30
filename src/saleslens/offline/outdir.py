"""The folder ``--out`` names: the offline main job writes its files there, and touches no others.

Each run lists what it wrote in OUT/.saleslens-manifest.json. The next run removes exactly those
files (and the folders they leave empty) before writing its own, so reports of an earlier date do
not linger, while any other file under OUT, the user's own included, is never deleted or
overwritten: a run whose output would land on a file no manifest lists stops before writing
anything, with a one-line OutDirError.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path, PurePosixPath
from typing import Callable, FrozenSet, Iterable, List, Mapping, Optional

from saleslens.errors import SalesLensError

MANIFEST = ".saleslens-manifest.json"
# The top-level names a run writes; without a manifest, finding any of them means an earlier
# run's files (or the user's) are in the way, and the run is refused before it starts.
OWN_NAMES = ("reports", "outbox", "push-outbox", "quarantine", "summary.json")

Producer = Callable[[], bytes]


class OutDirError(SalesLensError, ValueError):
    """--out cannot take this run's files: not a folder, not writable, or holding files saleslens did not write."""


def ensure_writable_dir(out: Path) -> None:
    """Create OUT if needed and prove a file can be written in it."""
    try:
        if out.exists() and not out.is_dir():
            raise OutDirError(f"--out {out}: is a file, not a folder")
        blocker = next((p for p in reversed(out.parents) if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise OutDirError(f"--out {out}: {blocker} is a file, not a folder")
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutDirError(f"--out {out}: cannot create the folder: {exc.strerror or exc}") from None
    try:
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise OutDirError(f"--out {out}: cannot write into the folder: {exc.strerror or exc}") from None


class OutDir:
    """OUT and the files the last run wrote there (paths relative to OUT, with '/')."""

    def __init__(self, root: Path, written: FrozenSet[str]) -> None:
        self.root = root
        self.written = written

    @classmethod
    def open(cls, root: Path) -> "OutDir":
        """Check OUT can take a run's files; read what the last run wrote."""
        ensure_writable_dir(root)
        manifest = root / MANIFEST
        if not manifest.exists():
            taken = [name for name in OWN_NAMES if (root / name).exists()]
            if taken:
                raise OutDirError(
                    f"--out {root}: already holds {', '.join(taken)} but no {MANIFEST} says saleslens wrote them; "
                    "move them away or choose another --out")
            return cls(root, frozenset())
        try:
            listed = json.loads(manifest.read_text(encoding="utf-8"))["files"]
            if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
                raise ValueError("'files' is not a list of paths")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise OutDirError(f"--out {root}: {MANIFEST} is unreadable ({exc}); delete the last run's files and the "
                              "manifest, or choose another --out") from None
        return cls(root, frozenset(_safe(root, p) for p in listed))

    def replace(self, files: Mapping[str, Producer]) -> None:
        """This run's output: the last run's files go, ``files`` are written, the manifest lists them."""
        self._write(files, keep=frozenset())

    def add(self, files: Mapping[str, Producer]) -> None:
        """More files of this run, beside those already written."""
        self._write(files, keep=self.written)

    def _write(self, files: Mapping[str, Producer], keep: FrozenSet[str]) -> None:
        planned = frozenset(_safe(self.root, p) for p in files)
        blocked = sorted({b for b in map(self._in_the_way, planned) if b is not None})
        if blocked:
            more = f" (and {len(blocked) - 1} more)" if len(blocked) > 1 else ""
            raise OutDirError(f"--out {self.root}: {blocked[0]} exists and saleslens did not write it{more}; "
                              "move it away or choose another --out")
        # Listed before writing: a run stopped half-way still leaves every file it may have written on record.
        self._record(self.written | planned)
        for rel in sorted(self.written - planned - keep):
            self._remove(rel)
        try:
            for rel in sorted(planned):
                target = self.root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(files[rel]())
        except OSError as exc:
            raise OutDirError(f"--out {self.root}: cannot write {rel}: {exc.strerror or exc}") from None
        self.written = keep | planned
        self._record(self.written)

    def _in_the_way(self, rel: str) -> Optional[str]:
        """The file no run wrote that writing ``rel`` would overwrite, or that stands where ``rel``
        needs a folder; None when there is none."""
        for folder in _ancestors(self.root, rel):
            if folder.exists() and not folder.is_dir():
                return folder.relative_to(self.root).as_posix()
        target = self.root / rel
        if rel not in self.written and (target.exists() or target.is_symlink()):
            return rel
        return None

    def _remove(self, rel: str) -> None:
        target = self.root / rel
        if target.is_symlink() or target.is_file():
            target.unlink()
        for parent in _ancestors(self.root, rel)[::-1]:  # deepest first; OUT itself stays
            try:
                parent.rmdir()  # only when empty: a folder holding anything else stays
            except OSError:
                break

    def _record(self, written: Iterable[str]) -> None:
        body = {"written_by": "saleslens", "files": sorted(written)}
        (self.root / MANIFEST).write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")


def _ancestors(root: Path, rel: str) -> List[Path]:
    """The folders between OUT and ``rel``, outermost first."""
    parts = PurePosixPath(rel).parts[:-1]
    return [root.joinpath(*parts[: i + 1]) for i in range(len(parts))]


def _safe(root: Path, rel: str) -> str:
    """A path inside OUT: relative, without '..' (a manifest or an S3 key could say otherwise)."""
    p = PurePosixPath(rel)
    if p.is_absolute() or not p.parts or ".." in p.parts or "\\" in rel or rel == MANIFEST:
        raise OutDirError(f"--out {root}: refusing the path {rel!r}: it would leave the folder")
    return str(p)

"""Named errors of the curate step: Step Functions matches on the class name (runbook)."""
from __future__ import annotations


class CurateError(Exception):
    """Base of the curate step's own errors."""


class HierarchyError(CurateError):
    """The position tree is broken on some date (cycle, missing parent, role order, no top)."""


class UnknownCurateInputError(CurateError):
    """The event names a dataset curation does not know, or a partition date that is not a date."""


class CuratedIndexError(CurateError):
    """The curated zone's source index is unreadable; rebuild it with `saleslens curate --rebuild`."""

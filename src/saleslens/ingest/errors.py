"""Named ingest errors. Step Functions and the runbook match on these class names."""
from __future__ import annotations


class FileTooLargeError(ValueError):
    """A landed file exceeds the size the conform job is sized for."""


class DataQualityError(RuntimeError):
    """A conformed partition breached its data-quality thresholds; it was not published."""


class ConformReportMissingError(RuntimeError):
    """The conform job finished without writing its run report."""

"""The errors Step Functions matches by name, under one base.

A Lambda task reports a raised exception as its class name (``errorType``), and the state
machines' ``Retry`` and ``Catch`` blocks match those names (``ErrorEquals``), so each class here
is part of the pipeline's interface: renaming one changes which branch a failure takes.
``tests/contract/test_error_names.py`` ties every custom ``ErrorEquals`` name in
``step_functions/`` to a class of this module. Each class also keeps the built-in base it has
always had (ValueError for bad input, RuntimeError for a step that could not finish), so
callers that catch those keep working.
"""
from __future__ import annotations

from typing import Sequence


class SalesLensError(Exception):
    """Base of the pipeline's named errors."""


# -- a landed object or file that cannot be ingested -------------------------------------------
class UnknownDatasetError(SalesLensError, ValueError):
    """A landed object's key does not name a declared dataset and partition date."""


class FileTooLargeError(SalesLensError, ValueError):
    """A landed file exceeds the size the conform job is sized for."""


class FileRejectedError(SalesLensError, ValueError):
    """The whole file is unusable; nothing from it is loaded."""


class LandingKeyError(FileRejectedError):
    """The object's key breaks the landing rules: a file name that does not follow the dataset's
    declared pattern, a file-name date that contradicts ``dt=``, or a partition still in the future."""


class EmptyFileError(FileRejectedError):
    """The file has no bytes at all (not even a header)."""


class EncodingError(FileRejectedError):
    """The file is not valid UTF-8."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class MalformedFileError(FileRejectedError):
    """The file cannot be split into rows at all (e.g. a quote that never closes)."""


class SchemaDriftError(FileRejectedError):
    """The file's columns are not the contract's: missing, unexpected or repeated."""

    def __init__(self, message: str, missing: Sequence[str], unexpected: Sequence[str]) -> None:
        super().__init__(message)
        self.missing = list(missing)
        self.unexpected = list(unexpected)


# -- a conformed partition that must not be published ------------------------------------------
class DataQualityError(SalesLensError, RuntimeError):
    """A conformed partition breached its data-quality thresholds; it was not published."""


class ConformReportMissingError(SalesLensError, RuntimeError):
    """The conform job finished without writing its run report."""


class MasterSnapshotError(DataQualityError):
    """A master snapshot that would break every report: empty, far shorter than the last one,
    or a position tree with a cycle or an orphan parent. It was not published."""


class PartitionBusyError(SalesLensError, RuntimeError):
    """Other runs kept replacing the partition while this one merged it; retried by the machine."""


# -- a distribution that must not send ---------------------------------------------------------
class DataIncompleteError(SalesLensError, RuntimeError):
    """A distribution's run date lacks data: a daily dataset has not published that date's
    partition, or the holiday calendar that sets the date is not curated. Nothing is sent; the
    machine retries for a while, then tells ops ("data incomplete: ...") and fails as DataIncomplete."""

"""Named ingest errors (defined in saleslens.errors, where Step Functions' names live)."""
from __future__ import annotations

from saleslens.errors import ConformReportMissingError, DataQualityError, FileTooLargeError

__all__ = ["ConformReportMissingError", "DataQualityError", "FileTooLargeError"]

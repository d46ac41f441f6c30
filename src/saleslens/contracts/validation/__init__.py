"""Execute a dataset contract over one landed file: types, checks, quarantine, dedupe.

Every rule runs as a vectorised Arrow expression over whole columns (row-by-row or pandas
validation cannot reach the conform goal: bench/README.md, "Conform throughput"). The file is read with every column as
text, so a rejected row carries its raw values into quarantine exactly as they arrived.

Outcome of each input row (``rows_in == rows_clean + rows_quarantined + rows_deduplicated``):
- quarantined: the row breaks a rule. It gets ONE reject row naming the FIRST rule it breaks,
  in this order: a malformed row first; then columns in contract order, and within a column
  not_null, type, range, allowed, pattern, below, foreign_key (``below:<column>``: a value not
  strictly below the row's value of the column its contract names, e.g. a standard cost at or
  above the price; only on rows whose two columns pass their own rules). One reason per row keeps the quarantine
  one-to-one with the input (counts add up) while still pointing at the first thing to fix.
  ``foreign_key:<column>`` runs only when the caller passes the referenced values
  (``references={"erp_products.sku": [...]}``, keys as ``ForeignKey.reference``): a code of the
  right shape that the master does not list (an unknown SKU or territory).
- deduplicated: a valid row whose business key (``dataset.key``) repeats an earlier valid row
  of the same file. The first occurrence is kept.
- clean: everything else, typed (int64, float64, decimal128, date32, timestamp[ms], bool, string).
A record whose fields are all empty (a blank line, or a line of bare commas) carries no data and
is not a row: it is skipped and not counted. An empty field is a null. Values are not trimmed.

Type rules (what "type:<column>" means) are written as full-match regexes next to ``_type_rule``;
where a cheaper Arrow operation gives the same answer it is used first, and tests hold both
paths to the same verdicts. CSV is UTF-8 with a header row (a leading byte-order mark is
skipped; columns may come in any order). A JSON object may leave out a nullable field (APIs
omit nulls); a non-nullable field missing from the first object is schema drift. JSON lines go
through Arrow when every value has the JSON type its column's contract type implies (int64
columns JSON integers, boolean columns JSON booleans, every other column JSON strings; null
anywhere), and line by line otherwise (other numbers, blank or broken lines). Both paths see
a value as the same text.

Whole-file problems raise instead (nothing from the file loads): ``EmptyFileError``,
``EncodingError`` (not UTF-8), ``SchemaDriftError`` (columns missing, unexpected or repeated),
``MalformedFileError`` (cannot be split into rows: line ends that are a bare CR, as old Mac
exports write them, or a quote that never closes). Lines end in LF or CRLF; a quoted field may
hold line breaks (LF, CRLF or CR). Error messages never carry a data value of a dataset with a
personal-data column: a header that is not the contract's is described by the contract's names
and a count of the others.

Modules, in the order a file goes through them: ``header`` (file-level checks), ``readers``
(every column as text, with line numbers), ``type_rules`` and ``checks`` (the rules above),
``dedupe``, ``rejects`` (the reject table) and ``conform`` (``conform_bytes``, which runs them
all); ``schema``, ``arrays`` and ``parallel`` are shared helpers. The names below are the
package's public surface; import them from here. The tuning knobs (``parallel._workers``,
``parallel._PARALLEL_ROWS``, ``readers._BLOCK_BYTES``) are read through their modules, so a test
patches them there.
Python 3.9-safe: the Glue Python-shell conform job imports this package.
"""
from __future__ import annotations

from saleslens.contracts.validation.conform import ConformResult, conform_bytes
from saleslens.contracts.validation.header import check_header
from saleslens.contracts.validation.rejects import MALFORMED_ROW, REJECT_META, rejects_schema
from saleslens.contracts.validation.schema import arrow_type, clean_schema
from saleslens.errors import (
    EmptyFileError,
    EncodingError,
    FileRejectedError,
    MalformedFileError,
    SchemaDriftError,
)

__all__ = [
    "MALFORMED_ROW",
    "REJECT_META",
    "ConformResult",
    "EmptyFileError",
    "EncodingError",
    "FileRejectedError",
    "MalformedFileError",
    "SchemaDriftError",
    "arrow_type",
    "check_header",
    "clean_schema",
    "conform_bytes",
    "rejects_schema",
]

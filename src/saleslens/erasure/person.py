"""The person being erased: their employee id, and the names, emails and mobile numbers the lake
holds for it, found in the structured zones before anything changes.

An id is matched exactly wherever a row has an ``employee_id``. In text (query results, refused
files, reason files, ledger items) the person is recognised by their id as a whole token, their
email and mobile number (unique to them: a line holding one is theirs), and their name (not
unique: replaced where it stands, never used to pick a line).
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Optional, Pattern, Set, Tuple

from saleslens.contracts import DATASETS
from saleslens.contracts.hr import EMPLOYEE
from saleslens.contracts.model import Column, Dataset
from saleslens.curate.tables import TABLES, CuratedTable

KEY_COLUMN = "employee_id"
EMPLOYEE_ID = re.compile(rf"^{EMPLOYEE}$")
# What a name becomes. Not empty: a person who still holds a position is listed by the recipients
# mart, and a recipient row without a name stops the run (an empty email only suppresses them).
ERASED = "[erased]"
_CONTACT_WORDS = ("email", "mail", "mobile", "phone")


def is_contact(column: str) -> bool:
    """A column whose value reaches one person only (an email address, a phone number)."""
    return any(word in column.lower() for word in _CONTACT_WORDS)


def placeholder(column: str) -> str:
    """What an erased value of ``column`` becomes: empty for a contact, ``[erased]`` for a name."""
    return "" if is_contact(column) else ERASED


def personal_columns(columns: Iterable[Column]) -> Tuple[str, ...]:
    return tuple(c.name for c in columns if c.pii)


def employee_datasets() -> Tuple[Dataset, ...]:
    """Contracts whose rows are a person's personal data: an employee id and a ``pii`` column."""
    return tuple(d for d in DATASETS.values() if KEY_COLUMN in d.column_names and personal_columns(d.columns))


def employee_tables() -> Tuple[CuratedTable, ...]:
    """Curated tables of the same kind (cur_hr__employees)."""
    return tuple(t for t in TABLES.values() if KEY_COLUMN in t.column_names and personal_columns(t.columns))


def _recognisable(column: str, value: str) -> bool:
    if value == ERASED:
        return False
    if is_contact(column):
        return "@" in value or sum(ch.isdigit() for ch in value) >= 7
    return len(value) >= 3 and any(ch.isalpha() for ch in value)


def _variants(value: str) -> Set[str]:
    """A value as it may be written in text: as is, HTML-escaped, JSON-escaped."""
    return {value, html.escape(value, quote=True), json.dumps(value)[1:-1]}


@dataclass
class Person:
    employee_id: str
    names: Set[str] = field(default_factory=set)
    contacts: Set[str] = field(default_factory=set)

    def note(self, column: str, value: Optional[str]) -> None:
        """Remember a personal value found in one of the person's rows. Placeholders, and values
        too slight to recognise in text (a rejected row's "12" for a mobile), are left out: the
        rows they came from are found by id."""
        if not isinstance(value, str) or not _recognisable(column, value.strip()):
            return
        (self.contacts if is_contact(column) else self.names).add(value.strip())
        self.__dict__.pop("_contact_re", None)
        self.__dict__.pop("_name_re", None)

    @property
    def known(self) -> bool:
        return bool(self.names or self.contacts)

    # -- text -----------------------------------------------------------------------------------
    @cached_property
    def _id_re(self) -> Pattern[str]:
        return re.compile(rf"(?<![A-Za-z0-9]){re.escape(self.employee_id)}(?![0-9])")

    @cached_property
    def _contact_re(self) -> Optional[Pattern[str]]:
        return _alternation(v for c in self.contacts for v in _variants(c))

    @cached_property
    def _name_re(self) -> Optional[Pattern[str]]:
        return _alternation(v for n in self.names for v in _variants(n))

    def named_by_id(self, text: str) -> bool:
        return bool(self._id_re.search(text))

    def contacted_in(self, text: str) -> bool:
        return bool(self._contact_re and self._contact_re.search(text))

    def holds(self, text: str) -> bool:
        """The text names the person: their id, an email or mobile of theirs, or their name."""
        return self.named_by_id(text) or self.contacted_in(text) or bool(self._name_re and self._name_re.search(text))

    def redact(self, text: str) -> Tuple[str, int]:
        """The text with each email, mobile and name of the person replaced by ``[erased]``."""
        count = 0
        for pattern in (self._contact_re, self._name_re):
            if pattern is not None:
                text, n = pattern.subn(ERASED, text)
                count += n
        return text, count

    def redact_lines(self, text: str) -> Tuple[str, int, int]:
        """Lines naming the person by id, email or mobile removed; their name replaced elsewhere.
        Returns the text, the lines removed and the names replaced."""
        kept, removed, replaced = [], 0, 0
        for line in text.splitlines(keepends=True):
            if self.named_by_id(line) or self.contacted_in(line):
                removed += 1
                continue
            if self._name_re is not None:
                line, n = self._name_re.subn(ERASED, line)
                replaced += n
            kept.append(line)
        return "".join(kept), removed, replaced


def _alternation(values: Iterable[str]) -> Optional[Pattern[str]]:
    """One case-insensitive pattern matching any of the values as a whole word."""
    ordered = sorted({v for v in values if v}, key=len, reverse=True)  # longest first: "Ann Lee" before "Ann"
    if not ordered:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(v) for v in ordered) + r")(?!\w)", re.IGNORECASE)


def decode(body: bytes) -> str:
    """Bytes as text, undecodable bytes kept as they are (``encode`` gives them back)."""
    return body.decode("utf-8", errors="surrogateescape")


def encode(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")

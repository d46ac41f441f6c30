"""Reading the marts' query results (Athena CSV in S3) and checking them before anything is sent."""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from saleslens.config import ROLE_LEVELS

Row = Dict[str, str]


class MartResultMissingError(LookupError):
    """A mart the run needs has no query result."""


class ControlTotalsError(Exception):
    """Net primary does not reconcile: ERP, curated, SR positions + unmapped disagree (no report is sent)."""


class RecipientError(ValueError):
    """A recipient row lacks what delivery needs."""


def read_result(s3: Any, output_location: str) -> List[Row]:
    """Rows of an Athena result CSV (every value text; empty = null), each decimal number taken to
    its stable value (``stable_number``)."""
    return read_result_table(s3, output_location)[1]


def read_result_table(s3: Any, output_location: str) -> Tuple[List[str], List[Row]]:
    """The column names of an Athena result CSV (its header, there even when no row is) and its
    rows as ``read_result`` gives them, from one read of the object."""
    bucket, _, key = output_location.split("://", 1)[1].partition("/")
    return csv_rows(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def csv_rows(text: Union[str, bytes]) -> Tuple[List[str], List[Row]]:
    """The header and rows of a result CSV's text (or its UTF-8 bytes), as ``read_result_table``
    gives them."""
    limit = STABLE_DIGITS + 2  # shorter values are exact as printed (stable_number)
    # csv.reader with the header zipped in here: csv.DictReader's row building is Python code, a
    # sixth of reading a usv run's 659 k rows.
    reader = csv.reader(_lines(text))
    header = next(reader, [])
    # One object per distinct text: the marts repeat ids, windows, roles, names and small numbers
    # on row after row, and a render-report container holds a run's rows (600 k at usv) for its
    # life: about half their memory (bench/README.md, "The ordinary day under 4 GB").
    distinct: Dict[str, str] = {}
    one = distinct.setdefault
    row = _row_maker(header)
    rows: List[Row] = []
    for record in reader:
        if len(record) != len(header):
            if not record:  # a blank line, which csv.DictReader skipped too
                continue
            raise ValueError(f"result CSV line {reader.line_num} has {len(record)} values for {len(header)} columns")
        rows.append(row(zip(header, [stable_number(v) if len(v) > limit else one(v, v) for v in record])))
    return header, rows


def _row_maker(header: Sequence[str]) -> Callable[[Iterable[Tuple[str, str]]], Row]:
    """Rows as dicts that share one table of keys (PEP 412's key-sharing dicts, as the attribute
    dicts of one class's instances are): a plain ``dict`` of the same items, in the same order,
    that stores its values only. A usv result row of 19 columns takes 224 bytes against 464 for
    ``dict(zip(...))``, and a render-report container holds a run's rows for its life (the usv
    role marts' 564 k: 149.4 MB of dicts against 338.8 MB). One class per result, so that its
    rows' keys are the ones shared; CPython (3.11) shares at most 29 keys, and its rows of 30
    columns or more would take twice a plain dict's size: those are plain dicts."""
    if len(header) >= _SHARED_KEYS_LIMIT:
        return dict
    cls = type("ResultRow", (), {"__slots__": ("__dict__",)})

    def make(items: Iterable[Tuple[str, str]], new: Callable[[type], Any] = object.__new__) -> Row:
        values: Row = new(cls).__dict__
        values.update(items)
        return values

    return make


_SHARED_KEYS_LIMIT = 30


def _lines(text: Union[str, bytes]) -> Iterator[str]:
    """The CSV's lines, each with its line ending (which csv.reader needs to keep a quoted line
    break), decoded one at a time. io.StringIO over the whole text would copy it at 4 bytes a
    character: reading a usv run's largest result (29 MB) peaked 139 MiB higher that way, in
    every render-report container that reads it."""
    newline = "\n" if isinstance(text, str) else b"\n"
    start, end = 0, len(text)
    while start < end:
        stop = text.find(newline, start) + 1 or end  # type: ignore[arg-type]
        line = text[start:stop]
        yield line if isinstance(line, str) else line.decode("utf-8")
        start = stop


# A sum of doubles differs in its last bits with the order of a parallel aggregation, so the same
# data can give 15.624999999999998 on one run and 15.625000000000002 on the next, which display
# as 15.62 and 15.63 and hash as different figures. Every amount the marts add up is in paisa and
# every other figure is a ratio of such sums, so a value is taken to STABLE_DIGITS significant
# digits, never fewer than 2 decimal places (the paisa): that restores the exact paisa of a sum
# and the exact value of a ratio, and a noisy value would have to sit on a half-unit of its 10th
# digit to still differ. Exact values print short; only long ones are worth the Decimal.
STABLE_DIGITS = 10
_LONG_DECIMAL = re.compile(r"^-?\d+\.\d{3,}(?:[eE][-+]?\d+)?$|^-?\d(?:\.\d+)?[eE][-+]?\d+$")


def stable_number(text: str) -> str:
    if len(text) <= STABLE_DIGITS + 2 or not _LONG_DECIMAL.match(text):
        return text
    value = Decimal(text)
    if not value:
        return "0"
    places = max(2, STABLE_DIGITS - 1 - value.adjusted())
    return format(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN).normalize(), "f")


def location(locations: Dict[str, str], mart: str) -> str:
    try:
        return locations[mart]
    except KeyError:
        raise MartResultMissingError(f"no result for mart {mart!r} in this run") from None


def money(value: str) -> Decimal:
    try:
        return Decimal(value or "0")
    except InvalidOperation as exc:
        raise ControlTotalsError(f"not an amount: {value!r}") from exc


def check_control_totals(control: Sequence[Row], primary: Sequence[Row]) -> List[Dict[str, Any]]:
    """Per window: ERP net = curated net = SR positions (held or vacant) + unmapped, to the paisa,
    and the SR rows of the position mart add up to the SR total. Raises ControlTotalsError naming
    every window that breaks; returns the totals for the run summary."""
    sr_from_mart: Dict[str, Decimal] = {}
    for row in primary:
        if row.get("role") == "SR":
            sr_from_mart[row["window_id"]] = sr_from_mart.get(row["window_id"], Decimal("0")) + money(row["net_value"])
    if not control:
        raise ControlTotalsError("the control-totals mart returned no window: is the calendar curated for this date?")
    totals, breaks = [], []
    for row in control:
        window = row["window_id"]
        erp, curated = money(row["erp_net_value"]), money(row["curated_net_value"])
        sr, unmapped = money(row["sr_positions_net_value"]), money(row["unmapped_net_value"])
        mart_sr = sr_from_mart.get(window, Decimal("0"))
        ok = erp == curated == sr + unmapped and mart_sr == sr
        totals.append({"window": window, "start": row["start_date"], "end": row["end_date"],
                       "erp_net": str(erp), "curated_net": str(curated), "sr_positions_net": str(sr),
                       "unmapped_net": str(unmapped), "balanced": ok})
        if not ok:
            breaks.append(f"{window} {row['start_date']}..{row['end_date']}: ERP {erp}, curated {curated}, "
                          f"SR positions {sr} (position mart {mart_sr}) + unmapped {unmapped}")
    if breaks:
        raise ControlTotalsError("net primary does not reconcile: " + "; ".join(breaks))
    return totals


_RECIPIENT_FIELDS = ("employee_id", "employee_name", "email", "position_id", "role", "position_name")
# Why a person holding a position on the run date is not emailed (each is reported by this name).
NO_EMAIL = "no_email"
EMAIL_DOMAIN = "email_domain"  # the address is outside the company's mail domains (config)
EMAIL_SHARED = "email_shared"  # another person of the run has the same address
EMAIL_BOUNCED = "email_bounced"  # SES reported a permanent bounce of the address (delivery.suppression)
EMAIL_COMPLAINED = "email_complained"  # the recipient marked a report email as spam (delivery.suppression)
UNSAFE_NAME = "unsafe_name"  # the name could forge or hide text in an email (contracts.hr.PERSON_NAME)
_NAME_MAX = 100
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}  # control, format (zero-width, bidi), line/paragraph separators


@dataclass(frozen=True)
class Resolved:
    recipients: List[Dict[str, str]]  # to be emailed, SR first then by position
    suppressed: List[Dict[str, str]]  # not emailed by rule: employee_id, position_id, role, reason (no name)


def unsafe_name(name: str) -> bool:
    """The contract's name rule (``contracts.hr.PERSON_NAME``), checked again where names leave:
    the mart reads names the contract may not have checked when they landed."""
    return not 0 < len(name) <= _NAME_MAX or "@" in name or any(unicodedata.category(ch) in _UNSAFE_CATEGORIES for ch in name)


def resolve_recipients(rows: Iterable[Row], *, email_domains: Sequence[str],
                       email_suppressed: Optional[Callable[[str], Optional[str]]] = None) -> Resolved:
    """One recipient per person and position held on the run date, by role level (SR first) then
    position. A holder who cannot be emailed safely is suppressed (reported by reason, never
    emailed), so one bad HR row does not stop everyone else's reports: no email, an address
    outside ``email_domains``, an address another person of the run also has (both are held
    back: which one owns it is for HR to say), an address SES bounced or a recipient complained
    about (``email_suppressed`` gives EMAIL_BOUNCED / EMAIL_COMPLAINED or None), or a name that
    could forge or hide text. A row without ids, name or a known role is an error."""
    held_back = email_suppressed or (lambda _address: None)
    domains = {d.lower() for d in email_domains}
    rows = list(rows)
    owners: Dict[str, set] = {}
    for row in rows:
        if row.get("email"):
            owners.setdefault(row["email"].strip().lower(), set()).add(row.get("employee_id"))
    out, suppressed = [], []
    for row in rows:
        missing = [f for f in _RECIPIENT_FIELDS if f != "email" and not row.get(f)]
        if missing:
            raise RecipientError(f"recipient row of position {row.get('position_id')!r} lacks {', '.join(missing)}")
        if row["role"] not in ROLE_LEVELS:
            raise RecipientError(f"position {row['position_id']} has an unknown role {row['role']!r}")
        email = (row.get("email") or "").strip().lower()
        reason = (NO_EMAIL if not email
                  else EMAIL_DOMAIN if email.rpartition("@")[2] not in domains
                  else EMAIL_SHARED if len(owners[email]) > 1
                  else held_back(email)
                  or (UNSAFE_NAME if unsafe_name(row["employee_name"]) else None))
        if reason:
            suppressed.append({"employee_id": row["employee_id"], "position_id": row["position_id"], "role": row["role"],
                               "reason": reason})
            continue
        out.append({f: row[f] for f in _RECIPIENT_FIELDS} | {"parent_position_id": row.get("parent_position_id") or ""})
    out.sort(key=lambda r: (ROLE_LEVELS.index(r["role"]), r["position_id"], r["employee_id"]))
    suppressed.sort(key=lambda r: (r["position_id"], r["employee_id"]))
    return Resolved(out, suppressed)


def recipients_from(rows: Iterable[Row], *, email_domains: Sequence[str]) -> List[Dict[str, str]]:
    """The recipients to be emailed (see resolve_recipients)."""
    return resolve_recipients(rows, email_domains=email_domains).recipients

"""Personal data out of the logs: a Powertools Logger formatter that masks it on the way out.

What is masked, in every log line a handler writes (message, extra keys, appended keys, the
logged event, exception text and stack trace):

1. **Values of PII keys**, at any depth of nested dicts and lists. A key is a PII key when its
   snake_case form is one of ``PII_KEYS`` (employee_name, email, phone, mobile, name, and every
   contract column declared ``pii=True``) or ends in ``_email``, ``_phone`` or ``_mobile``.
   Names and other values become ``***``; emails and phone numbers keep the hint below.
2. **Email addresses and phone numbers inside any string**. Phones: Indian, Sri Lankan and
   Nepali mobiles and landlines, with or without the country code (+91, +94, +977).
3. **The values of 1. wherever else they appear in the same record**: a name logged under
   ``employee_name`` (as an extra or appended key) is also masked inside the message and the
   exception text of that line, whole and word by word (words of three letters or more).
   A name that appears only in free text cannot be recognised: log people by id.

Hints kept for ops (enough to tell two recipients or two countries apart, not enough to contact
or name anyone):

- email: first character of the local part and the organisation's domain;
  ``priya.sharma@saleslens.example.com`` -> ``p***@s***.example.com``, ``ravi@corp.co.in`` ->
  ``r***@corp.co.in`` (every domain label left of the last two - three for ``co.in``-style
  domains - keeps only its first character; local parts of one or two characters become ``***``).
- phone: the country code as written and the last two digits;
  ``+91 98765 43210`` -> ``+91 ********10``, ``077 123 4567`` -> ``********67``.

No hash of the value is kept: employee emails and phone numbers are guessable, so an unkeyed
hash would be reversible by trying the staff list.

Known limits (deliberate, to keep ARNs, bucket names, ids and amounts readable): a number glued
to a letter, ``_`` or ``-`` (``tel9876543210``, ``acct-9876543210``) is not treated as a phone;
landlines need a separator after the area code (``011-23456789``); a bare 10-digit number
starting 6-9 inside a string is treated as a mobile even when it is something else. Integer
values are never masked unless they sit under a PII key.

Python 3.9-safe.
"""
from __future__ import annotations

import re
from typing import Any, Callable, FrozenSet, Optional, Set

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

MASK = "***"

# Keys Powertools fills itself: never personal data, left as they are (fast, and ARNs intact).
_INFRASTRUCTURE_KEYS = frozenset({
    "level", "location", "timestamp", "service", "sampling_rate", "cold_start", "function_name",
    "function_memory_size", "function_arn", "function_request_id", "xray_trace_id",
})

_BASE_PII_KEYS = frozenset({"employee_name", "email", "phone", "mobile", "name"})
_EMAIL_SUFFIXES = ("email", "emails", "email_address", "mail_id")
_PHONE_SUFFIXES = ("phone", "phones", "mobile", "mobiles", "phone_number", "mobile_number", "msisdn")


def _contract_pii_columns() -> FrozenSet[str]:
    from saleslens.contracts import DATASETS

    return frozenset(c.name.lower() for d in DATASETS.values() for c in d.columns if c.pii)


PII_KEYS: FrozenSet[str] = _BASE_PII_KEYS | _contract_pii_columns()

# -- patterns ----------------------------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.%+-])[\w][\w.%+-]*@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}")

# A phone number may not touch a letter, digit, "_" or "-" on either side, nor run into a
# decimal: that keeps account ids in ARNs and bucket names, uuids, etags and amounts intact.
_BEFORE = r"(?<![\w-])"
_AFTER = r"(?![\w-]|\.\d)"
_SEP = r"[ -]?"
_PHONE = re.compile(
    _BEFORE
    + r"(?P<cc>\+(?:977|94|91)|00(?:977|94|91)(?=[ -])|91(?=[ -][6-9]))?"  # country code
    + r"(?P<number>"
    + r"(?<=\d)" + _SEP + r"(?:\(0\)" + _SEP + r")?\d(?:" + _SEP + r"\d){7,9}"  # after a code: 8-10 digits
    + r"|(?<![\d])0?[6-9](?:" + _SEP + r"\d){9}"  # IN / NP mobile: 10 digits from 6-9 (leading 0 allowed)
    + r"|(?<![\d])07\d(?:" + _SEP + r"\d){7}"  # LK mobile: 07X XXX XXXX
    + r"|(?<![\d])0\d{1,4}[ -]\d{6,8}"  # landline: 0 + area code, separator, 6-8 digits
    + r")"
    + _AFTER
)


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


def is_pii_key(key: Any) -> bool:
    if not isinstance(key, str):
        return False
    k = _snake(key)
    suffixes = _EMAIL_SUFFIXES + _PHONE_SUFFIXES
    return k in PII_KEYS or k in suffixes or k.endswith(tuple("_" + s for s in suffixes))


def _is_email_key(key: str) -> bool:
    k = _snake(key)
    return k.endswith(_EMAIL_SUFFIXES) or k in {c for c in PII_KEYS if "email" in c}


def _is_phone_key(key: str) -> bool:
    return _snake(key).endswith(_PHONE_SUFFIXES)


_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "ltd", "plc", "nic", "mil"}


def mask_email(address: str) -> str:
    """``priya.sharma@saleslens.example.com`` -> ``p***@s***.example.com``."""
    local, _, domain = address.rpartition("@")
    labels = domain.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2].lower() in _SECOND_LEVEL else 2
    head = [lab[:1] + MASK for lab in labels[:-keep]]
    masked_local = local[:1] + MASK if len(local) > 2 else MASK
    return f"{masked_local}@{'.'.join(head + labels[-keep:])}"


def _mask_phone_match(m: "re.Match[str]") -> str:
    digits = re.sub(r"\D", "", m.group("number"))
    cc = m.group("cc")
    masked = "*" * max(len(digits) - 2, 0) + digits[-2:]
    return f"{cc} {masked}" if cc else masked


def mask_text(text: str, known: "Optional[re.Pattern[str]]" = None) -> str:
    """Mask every email address and phone number inside a string (and ``known`` values).

    Patterns first, so emails and phones keep their hint; then what is left of ``known``.
    """
    if text and ("@" in text or any(ch.isdigit() for ch in text)):
        text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
        text = _PHONE.sub(_mask_phone_match, text)
    if known is not None and text:
        text = known.sub(MASK, text)
    return text


def _pii_strings(value: Any, under_pii: bool, found: Set[str]) -> None:
    """Collect the strings held under PII keys (and the words of three letters or more in them)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _pii_strings(v, under_pii or is_pii_key(k), found)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            _pii_strings(v, under_pii, found)
    elif under_pii and isinstance(value, (str, int)) and not isinstance(value, bool):
        text = str(value).strip()
        if len(text) >= 3:
            found.add(text)
            found.update(w for w in re.split(r"[\s,;]+", text) if len(w) >= 3 and w.isalpha())


def known_values(record: Any) -> "Optional[re.Pattern[str]]":
    """A pattern matching the PII values of a record, to mask them elsewhere in it."""
    found: Set[str] = set()
    _pii_strings(record, False, found)
    if not found:
        return None
    alternatives = "|".join(re.escape(v) for v in sorted(found, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _mask_pii_value(key: str, value: Any) -> Any:
    """The value of a PII key: emails and phones keep their hint, anything else becomes ***."""
    if value is None or value == "" or isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return {k: _mask_pii_value(key, v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_mask_pii_value(key, v) for v in value]
    if isinstance(value, str) and _is_email_key(key) and _EMAIL.fullmatch(value.strip()):
        return mask_email(value.strip())
    if isinstance(value, (str, int)) and _is_phone_key(key):
        masked = mask_text(str(value))
        return masked if masked != str(value) else MASK
    return MASK


def mask_value(value: Any, default: Callable[[Any], Any] = str, known: "Optional[re.Pattern[str]]" = None) -> Any:
    """Mask PII keys and PII inside strings anywhere in a JSON-like value.

    Values JSON cannot hold are turned into strings first (with ``default``, as the formatter's
    serializer would) so that an object's repr cannot carry an email past the mask.
    """
    if isinstance(value, str):
        return mask_text(value, known)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {k: (_mask_pii_value(k, v) if is_pii_key(k) else mask_value(v, default, known)) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [mask_value(v, default, known) for v in value]
    return mask_text(str(default(value)), known)


def mask_record(log: dict, default: Callable[[Any], Any] = str) -> dict:
    """Mask one structured log record (the dict Powertools is about to serialise)."""
    known = known_values({k: v for k, v in log.items() if k not in _INFRASTRUCTURE_KEYS})
    out = {}
    for key, value in log.items():
        if key in _INFRASTRUCTURE_KEYS:
            out[key] = value
        elif is_pii_key(key):
            out[key] = _mask_pii_value(key, value)
        else:
            out[key] = mask_value(value, default, known)
    return out


class PiiMaskingFormatter(LambdaPowertoolsFormatter):
    """LambdaPowertoolsFormatter that masks personal data (see the module docstring).

    ``Logger(logger_formatter=PiiMaskingFormatter())``: masking happens on the finished record,
    after Powertools has merged message, extra keys, appended keys and exception text, so no
    path into the log line bypasses it.
    """

    def serialize(self, log: dict) -> str:  # type: ignore[override]
        return super().serialize(mask_record(log, self.json_default))

"""PII masking in the handlers' logs: patterns, nested keys, and a Logger's real output."""
from __future__ import annotations

import io
import json
import logging
import uuid
from dataclasses import dataclass

import pytest
from aws_lambda_powertools import Logger

from saleslens.logmask import PII_KEYS, PiiMaskingFormatter, mask_email, mask_record, mask_text


# -- emails ------------------------------------------------------------------------------------
@pytest.mark.parametrize("address,masked", [
    ("priya.sharma@saleslens.example.com", "p***@s***.example.com"),
    ("alice@foo.example.com", "a***@f***.example.com"),
    ("ravi@gmail.com", "r***@gmail.com"),
    ("k.perera@mail.corp.lk", "k***@m***.corp.lk"),
    ("anil@corp.co.in", "a***@corp.co.in"),
    ("anil@hq.corp.co.in", "a***@h***.corp.co.in"),
    ("ab@corp.com.np", "***@corp.com.np"),  # a 2-character local part would be given away whole
])
def test_email_keeps_first_letter_and_organisation_domain(address, masked):
    assert mask_email(address) == masked
    assert mask_text(f"bounce from <{address}>, retrying") == f"bounce from <{masked}>, retrying"


# -- phones ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,masked", [
    # India
    ("+91 98765 43210", "+91 ********10"),
    ("+919876543210", "+91 ********10"),
    ("+91-98765-43210", "+91 ********10"),
    ("91 98765 43210", "91 ********10"),
    ("9876543210", "********10"),
    ("09876543210", "*********10"),
    ("987-654-3210", "********10"),
    ("011-23456789", "*********89"),  # Delhi landline
    ("0484 2345678", "*********78"),  # Kochi landline
    # Sri Lanka
    ("+94 77 123 4567", "+94 *******67"),
    ("+94771234567", "+94 *******67"),
    ("0771234567", "********67"),
    ("077 123 4567", "********67"),
    ("011 2345678", "********78"),  # Colombo landline
    ("0094 771234567", "0094 *******67"),
    # Nepal
    ("+977 9841234567", "+977 ********67"),
    ("+977-9841234567", "+977 ********67"),
    ("9841234567", "********67"),
    ("01-4412345", "*******45"),  # Kathmandu landline
    ("+977 1 4412345", "+977 ******45"),
])
def test_phone_numbers_keep_country_code_and_last_two_digits(text, masked):
    assert mask_text(text) == masked
    assert mask_text(f"call {text}, then email") == f"call {masked}, then email"
    assert mask_text(f"mobile={text};") == f"mobile={masked};"


@pytest.mark.parametrize("text", [
    "arn:aws:states:ap-south-1:919876543210:execution:saleslens-dev-ingest:x",  # account id
    "s3://saleslens-dev-landing-987654321012-ap-south-1/erp/primary_invoices/dt=2026-11-20/f.csv",
    "saleslens-dev-landing-9876543210-ap-south-1",
    "c9ade255-9d63-45af-bf36-35c17f647ec4",
    "81f31b21b5721b9cd4961df6400820d5",
    "jr_96f0dee2c88fc7b1c30db08c8c72c597fac01ff1bc05cb600ad8558b976c74aa",
    "2026-11-23 10:11:58,802+0000",
    "2026-11-23T10:11:59.606000+00:00",
    "expires_at 1829988719, ts 1795428718892",
    "net value 7845123456.50",
    "INV202611200001,1,2026-11-20,STK00001,SKU00001,10,1,100.00,50.00",
    "E123456 P12345 T1234",
    "tel9876543210",  # glued to a word: deliberately not a phone (module docstring)
])
def test_ids_arns_timestamps_and_amounts_are_left_alone(text):
    assert mask_text(text) == text


# -- keys --------------------------------------------------------------------------------------
def test_pii_keys_include_the_contract_columns():
    assert {"employee_name", "email", "phone", "mobile", "name"} <= PII_KEYS


def test_values_of_pii_keys_are_masked_at_any_depth():
    record = {
        "level": "INFO",
        "message": "report delivered",
        "recipient": {
            "employee_id": "E000123",
            "employee_name": "Priya Sharma",
            "email": "priya.sharma@saleslens.example.com",
            "phones": ["+91 98765 43210", 9123456780],
            "team": [{"name": "Ravi Kumar", "managerEmail": "m.perera@corp.lk"}],
        },
        "contact": {"mobile": "077 123 4567", "name": None},
        "employeeName": "Sita Thapa",
        "rows": 5,
    }
    assert mask_record(record) == {
        "level": "INFO",
        "message": "report delivered",
        "recipient": {
            "employee_id": "E000123",
            "employee_name": "***",
            "email": "p***@s***.example.com",
            "phones": ["+91 ********10", "********80"],
            "team": [{"name": "***", "managerEmail": "m***@corp.lk"}],
        },
        "contact": {"mobile": "********67", "name": None},
        "employeeName": "***",
        "rows": 5,
    }


def test_pii_key_holding_something_unrecognisable_is_redacted_whole():
    assert mask_record({"email": "not-an-address", "phone": "ask reception", "name": {"first": "Priya"}}) == {
        "email": "***", "phone": "***", "name": {"first": "***"}}


@dataclass
class Recipient:
    who: str


def test_infrastructure_keys_are_untouched_and_objects_are_masked_after_str():
    arn = "arn:aws:lambda:ap-south-1:919876543210:function:saleslens-dev-render-report"
    out = mask_record({"function_arn": arn, "function_name": "saleslens-dev-render-report", "obj": Recipient("priya@corp.co.in")})
    assert out == {"function_arn": arn, "function_name": "saleslens-dev-render-report", "obj": "Recipient(who='p***@corp.co.in')"}


# -- a Logger's actual output ------------------------------------------------------------------
EVENT = {
    "run_date": "2026-11-20",
    "cadence": "daily",
    "run_id": "daily-2026-11-20-1",
    "recipient": {
        "employee_id": "E000123",
        "employee_name": "Priya Sharma",
        "email": "priya.sharma@saleslens.example.com",
        "position_id": "P00042",
        "role": "ASM",
    },
}
SECRETS = ("Priya", "Sharma", "priya.sharma", "98765", "43210", "Kumar")


@dataclass
class _Context:
    function_name: str = "saleslens-dev-render-report"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:ap-south-1:123456789012:function:saleslens-dev-render-report"
    aws_request_id: str = "req-1"


def _run_handler(logger: Logger) -> list:
    @logger.inject_lambda_context(log_event=True)  # the whole event, as POWERTOOLS_LOGGER_LOG_EVENT would
    def handler(event, context):
        recipient = event["recipient"]
        logger.append_keys(employee_id=recipient["employee_id"])
        logger.info("rendering %s's report", recipient["employee_name"], extra={"recipient": recipient})
        try:
            raise RuntimeError(f"SES rejected {recipient['email']}; SMS fallback to +91 98765 43210 failed for Ravi Kumar")
        except RuntimeError:
            logger.exception("delivery failed", extra={"to": [{"name": "Ravi Kumar", "phone": "+91 98765 43210"}]})
        return {"status": "failed"}

    handler(EVENT, _Context())


def _lines(stream: io.StringIO) -> list:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_handler_log_output_has_no_name_email_or_phone_from_its_input():
    stream = io.StringIO()
    logger = Logger(service=f"logmask-test-{uuid.uuid4().hex[:8]}", level="DEBUG", stream=stream, logger_formatter=PiiMaskingFormatter())
    _run_handler(logger)

    text = stream.getvalue()
    for secret in SECRETS:
        assert secret not in text, secret
    event_line, info_line, error_line = _lines(stream)
    # what ops still gets: ids, hints, the error's shape
    assert event_line["message"]["recipient"] == {
        "employee_id": "E000123", "employee_name": "***", "email": "p***@s***.example.com", "position_id": "P00042", "role": "ASM"}
    # the name under recipient.employee_name is masked in the same line's message too
    assert info_line["message"] == "rendering ***'s report"
    assert info_line["employee_id"] == "E000123" and info_line["function_name"] == "saleslens-dev-render-report"
    assert error_line["exception_name"] == "RuntimeError"
    assert "SES rejected p***@s***.example.com; SMS fallback to +91 ********10" in error_line["exception"]
    assert error_line["to"] == [{"name": "***", "phone": "+91 ********10"}]


def test_the_handlers_shared_logger_uses_the_masking_formatter():
    from lambdas import _runtime

    assert isinstance(_runtime.logger.registered_formatter, PiiMaskingFormatter)
    stream = io.StringIO()
    handler = _runtime.logger.registered_handler
    previous_stream, previous_level = handler.setStream(stream), _runtime.logger.log_level
    _runtime.logger.setLevel(logging.INFO)
    try:
        _run_handler(_runtime.logger)
    finally:
        handler.setStream(previous_stream)
        _runtime.logger.setLevel(previous_level)
    assert len(_lines(stream)) == 3
    for secret in SECRETS:
        assert secret not in stream.getvalue(), secret


def test_a_pii_value_is_masked_wherever_else_it_appears_in_the_same_line_only():
    record = {"message": "no territory for Arun Das (Dashboard link not sent)", "employee_name": "Arun Das"}
    assert mask_record(record) == {"message": "no territory for *** (Dashboard link not sent)", "employee_name": "***"}
    # a line without the key cannot know the name: log people by id
    assert mask_record({"message": "no territory for Arun Das"}) == {"message": "no territory for Arun Das"}

"""Erasure of one person's personal data from every zone and table (``saleslens erase``).

India's DPDP Act gives a person the right to have their personal data erased once it is no
longer needed. ``erase`` finds an employee's name, email and mobile wherever the pipeline keeps
them (``places`` says where, and what erasing means in each), removes them, and records what it
did in an audit log that holds none of them. The same code runs against AWS and the offline
runtime: plain functions over boto3 clients.
"""
from __future__ import annotations

from saleslens.erasure.run import (
    AUDIT_PREFIX,
    ErasureError,
    ErasureOutcome,
    Where,
    check_employee_id,
    describe,
    erase,
    summary,
)

__all__ = ["AUDIT_PREFIX", "ErasureError", "ErasureOutcome", "Where", "check_employee_id", "describe", "erase", "summary"]

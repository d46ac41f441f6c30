"""Every error name the state machines match (ErrorEquals) is either an AWS one or a class of
saleslens.errors: a renamed class, or a typo in the ASL, would silently send a failure down the
catch-all branch instead."""
from __future__ import annotations

import inspect
import json
from typing import Any, Iterator, Set

import pytest

import saleslens.errors as errors
from saleslens import components
from saleslens.config import PROJECT_ROOT

# Prefixes of the names Step Functions and the service integrations raise.
AWS_PREFIXES = ("States.", "Lambda.", "Glue.", "Athena.", "DynamoDB.", "SNS.", "EventBridge.", "S3.")


def _error_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "ErrorEquals":
                yield from value
            else:
                yield from _error_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _error_names(value)


def _custom_names(machine: str) -> Set[str]:
    definition = json.loads((PROJECT_ROOT / components.STATE_MACHINES[machine].definition).read_text())
    return {n for n in _error_names(definition) if not n.startswith(AWS_PREFIXES)}


def _classes() -> dict:
    return {name: cls for name, cls in inspect.getmembers(errors, inspect.isclass)
            if issubclass(cls, errors.SalesLensError) and cls.__module__ == errors.__name__}


@pytest.mark.parametrize("machine", sorted(components.STATE_MACHINES))
def test_every_custom_error_name_in_the_asl_is_a_class_of_saleslens_errors(machine):
    missing = _custom_names(machine) - set(_classes())
    assert not missing, f"{machine} matches error names no class of saleslens.errors defines: {sorted(missing)}"


def test_the_ingest_machine_matches_the_file_rejections_by_name():
    # The names ValidateFile raises for a file to quarantine; the check above would pass on an
    # ASL that matched none of them.
    assert {"EmptyFileError", "EncodingError", "SchemaDriftError", "FileTooLargeError",
            "UnknownDatasetError"} <= _custom_names("ingest")


def test_each_error_keeps_a_built_in_base_for_callers_that_catch_it():
    for name, cls in _classes().items():
        if cls is errors.SalesLensError:
            continue
        assert issubclass(cls, (ValueError, RuntimeError)), name


def test_the_public_import_paths_are_the_same_classes():
    from saleslens.contracts import UnknownDatasetError
    from saleslens.contracts.validation import EmptyFileError, SchemaDriftError
    from saleslens.ingest.errors import DataQualityError, FileTooLargeError

    assert (UnknownDatasetError, EmptyFileError, SchemaDriftError, DataQualityError, FileTooLargeError) == (
        errors.UnknownDatasetError, errors.EmptyFileError, errors.SchemaDriftError, errors.DataQualityError,
        errors.FileTooLargeError)

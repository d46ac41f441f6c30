"""Smoke test of the hook points in moto (LOCAL_AWS.md): fails loudly if an upgrade moves one."""
from __future__ import annotations

import inspect

import moto

from saleslens.offline import hooks


def test_moto_is_the_pinned_version():
    assert moto.__version__ == hooks.MOTO_VERSION


def test_hook_points_still_exist_with_the_expected_signatures():
    from moto.athena.models import AthenaBackend, QueryResults
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.glue.models import FakeJobRun, GlueBackend
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_glue

    assert list(inspect.signature(LambdaSimpleBackend.invoke).parameters) == [
        "self", "function_name", "qualifier", "body", "headers", "response_headers"]
    assert "name" in inspect.signature(GlueBackend.start_job_run).parameters
    assert list(inspect.signature(AthenaBackend.start_query_execution).parameters) == [
        "self", "query", "context", "config", "workgroup", "execution_parameters"]
    assert hasattr(FakeJobRun, "as_dict")
    assert hasattr(state_task_service_glue, "_SUPPORTED_INTEGRATION_PATTERNS")
    assert hasattr(state_task_service_glue.StateTaskServiceGlue, "_sync_to_start_job_run")
    assert callable(state_task_factory.state_task_service_for)
    assert hasattr(retrier_decl, "time")
    assert list(inspect.signature(QueryResults.__init__).parameters) == ["self", "rows", "column_info"]


def test_install_replaces_each_hook_point():
    from moto.athena.models import AthenaBackend
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.glue.models import GlueBackend
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory

    hooks.install()
    assert LambdaSimpleBackend.invoke.__module__ == hooks.__name__
    assert GlueBackend.start_job_run.__module__ == hooks.__name__
    assert AthenaBackend.start_query_execution.__module__ == hooks.__name__
    assert type(state_task_factory.state_task_service_for("athena")).__name__ == "StateTaskServiceAthena"
    assert type(state_task_factory.state_task_service_for("lambda")).__name__ == "StateTaskServiceLambda"

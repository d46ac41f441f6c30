"""Lambda refuses a function whose environment variables (keys and values together) exceed 4 KB,
and only at deploy time: `cdk synth` and moto take any size. Each function's variables are sized
here as the deployed values would be, a CloudFormation reference (Ref, Fn::GetAtt, Fn::ImportValue)
counted at TOKEN_CHARS, more than any ARN, queue URL or name of this app resolves to, and a pseudo
parameter at its longest value in any partition)."""
from __future__ import annotations

from typing import Any

import pytest

from saleslens import components
from tests.infra.test_compute import function

pytestmark = pytest.mark.infra

LAMBDA_ENVIRONMENT_LIMIT = 4096  # bytes: "The total size of all environment variables doesn't exceed 4 KB"
# The longest ARN the app's references resolve to: a state machine or function ARN of the account
# and region (about 40 characters) with a name of at most 64 characters; 160 leaves room.
TOKEN_CHARS = 160
# Pseudo parameters, at their longest: aws-us-gov / aws-iso-b, ap-southeast-7 / us-isob-east-1 (16
# leaves room), a 12-digit account, amazonaws.com.cn.
PSEUDO_CHARS = {"AWS::Partition": 10, "AWS::Region": 16, "AWS::AccountId": 12, "AWS::URLSuffix": 16}


def deployed_size(value: Any) -> int:
    """Bytes of a variable's value once CloudFormation has resolved it (references at TOKEN_CHARS)."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, dict) and len(value) == 1:
        (fn, args), = value.items()
        if fn == "Fn::Join":
            separator, parts = args
            return len(separator.encode("utf-8")) * max(len(parts) - 1, 0) + sum(deployed_size(p) for p in parts)
        if fn == "Fn::Sub" and isinstance(args, str):
            return len(args.encode("utf-8")) + TOKEN_CHARS * args.count("${")
        if fn == "Ref" and args in PSEUDO_CHARS:
            return PSEUDO_CHARS[args]
        if fn in ("Ref", "Fn::GetAtt", "Fn::ImportValue", "Fn::Select", "Fn::GetAZs"):
            return TOKEN_CHARS
    raise AssertionError(f"an environment value this test cannot size: {value!r}")


def test_deployed_size_counts_text_and_references():
    # by hand: "abc" 3; a Join of "x", a reference (160) and "yz" with "/" between: 1 + 160 + 2 + 2 x 1 = 165;
    # "b-" + account (12) + "-" + region (16) = 2 + 12 + 1 + 16 = 31
    assert deployed_size("abc") == 3
    assert deployed_size({"Fn::Join": ["/", ["x", {"Ref": "Queue"}, "yz"]]}) == 165
    assert deployed_size({"Fn::Join": ["", ["b-", {"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"}]]}) == 31
    assert deployed_size({"Fn::GetAtt": ["Machine", "Arn"]}) == TOKEN_CHARS


@pytest.mark.parametrize("key", sorted(components.LAMBDAS))
def test_every_functions_environment_fits_lambdas_4_kb(synth, key):
    variables = function(synth, key)["Environment"]["Variables"]
    size = sum(len(name.encode("utf-8")) + deployed_size(value) for name, value in variables.items())
    assert size <= LAMBDA_ENVIRONMENT_LIMIT, f"{key}: about {size} bytes of environment variables"

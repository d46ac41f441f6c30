"""`saleslens links ...`: read the link access log, revoke links. The AWS target options are
those of the other ops commands (saleslens.cli)."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Optional, Tuple

import typer

links_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="The report links: who opened what (the access log), and revoking links.")


def _target(endpoint_url: Optional[str], region: Optional[str], profile: Optional[str]) -> Tuple[Any, Any, Any]:
    from saleslens import cli, ops

    cfg = cli._config()
    sess = cli._run_ops(lambda: ops.session(region=region, profile=profile, config_region=cfg.region))
    return cfg, sess, endpoint_url or None


def _since(text: Optional[str]) -> Optional[datetime]:
    from saleslens import cli

    if text is None:
        return None
    try:
        day = datetime.fromisoformat(text)
    except ValueError:
        cli._fail(f"--since must be a date or date-time such as 2026-11-20 or 2026-11-20T09:30, got {text!r}")
        raise
    return day if day.tzinfo else day.replace(tzinfo=timezone.utc)


@links_app.command("opens")
def opens(
    employee: Optional[str] = typer.Option(None, "--employee", help="Only this employee id."),
    since: Optional[str] = typer.Option(None, "--since", help="Only requests at or after this UTC date or date-time."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url", envvar="AWS_ENDPOINT_URL",
                                               help="Endpoint of an offline (embedded) AWS."),
    region: Optional[str] = typer.Option(None, "--region", help="AWS region (default: AWS_REGION, then the standard chain)."),
    profile: Optional[str] = typer.Option(None, "--profile", help="AWS profile (default: the standard chain)."),
) -> None:
    """Every request to a report link, oldest first: when (UTC), employee, position, outcome
    (opened, expired, revoked, not_holder, invalid, fresh_link_sent, fresh_link_refused,
    fresh_link_suppressed) and report.
    A request whose token was not genuine has "-" for employee, position and report."""
    from saleslens import cli, components
    from saleslens.links import access_log

    after = _since(since)
    cfg, sess, endpoint = _target(endpoint_url, region, profile)
    ddb = sess.client("dynamodb", endpoint_url=endpoint)
    found = cli._run_ops(lambda: list(access_log.opens(ddb, cfg.name(components.LINK_ACCESS_LOG_TABLE),
                                                       employee_id=employee, since=after)))
    if as_json:
        typer.echo(json.dumps([{"at": o.at.isoformat(), "employee_id": o.employee_id, "position_id": o.position_id,
                                "outcome": o.outcome, "report_key": o.report_key, "token_id": o.token_id} for o in found],
                              indent=2))
        return
    if not found:
        typer.echo("no link requests recorded" + (f" for {employee}" if employee else "") + (f" since {since}" if since else ""))
        return
    typer.echo(f"{'at (UTC)':<20} {'employee':<10} {'position':<10} {'outcome':<18} report")
    for o in found:
        typer.echo(f"{o.at:%Y-%m-%d %H:%M:%S} {o.employee_id:<10} {o.position_id:<10} {o.outcome:<18} {o.report_key}")


@links_app.command("revoke")
def revoke(
    link: Optional[str] = typer.Option(None, "--link", help="The link (URL) or its token: revoke that one link."),
    employee: Optional[str] = typer.Option(None, "--employee", help="With --position: revoke every link of this employee..."),
    position: Optional[str] = typer.Option(None, "--position", help="...in this position issued up to now."),
    endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url", envvar="AWS_ENDPOINT_URL",
                                               help="Endpoint of an offline (embedded) AWS."),
    region: Optional[str] = typer.Option(None, "--region", help="AWS region (default: AWS_REGION, then the standard chain)."),
    profile: Optional[str] = typer.Option(None, "--profile", help="AWS profile (default: the standard chain)."),
) -> None:
    """Revoke one link (--link) or every link one employee holds for one position, issued up to
    now (--employee and --position); the link service refuses them from then on."""
    from saleslens import cli, components
    from saleslens.links import revocation
    from saleslens.links.token import read_claims

    if (link is None) == (employee is None and position is None) or (link is None and not (employee and position)):
        cli._fail("give --link, or both --employee and --position")
    claims = read_claims(link.rsplit("t=", 1)[-1].split("&", 1)[0]) if link is not None else None
    if link is not None and claims is None:
        cli._fail("--link is not a report link or its token")
    cfg, sess, endpoint = _target(endpoint_url, region, profile)
    ddb = sess.client("dynamodb", endpoint_url=endpoint)
    table = cfg.name(components.LINK_REVOCATION_TABLE)
    now = int(time.time())
    if claims is not None:
        cli._run_ops(lambda: revocation.revoke_token(ddb, table, token_id=claims.token_id, expires_at=claims.expires_at,
                                                     revoked_at=now))
        typer.echo(f"revoked link {claims.token_id} of {claims.employee_id} in {claims.position_id}")
        return
    assert employee and position
    cli._run_ops(lambda: revocation.revoke_holder(ddb, table, employee_id=employee, position_id=position, before=now))
    typer.echo(f"revoked every link of {employee} in {position} issued up to "
               f"{datetime.fromtimestamp(now, tz=timezone.utc):%Y-%m-%d %H:%M:%S} UTC")

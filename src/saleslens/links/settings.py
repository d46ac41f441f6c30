"""The link settings as the functions read them from their environment (set from the config by
``saleslens.components.runtime_environment``; LINK_BASE_URL by the stack or the offline runtime)."""
from __future__ import annotations

from typing import Callable

from saleslens.links.service import LinkSettings


def from_environment(env: Callable[[str], str], *, base_url: str) -> LinkSettings:
    return LinkSettings(
        reports_bucket=env("REPORTS_BUCKET"),
        revocation_table=env("LINK_REVOCATION_TABLE"),
        access_log_table=env("LINK_ACCESS_LOG_TABLE"),
        redirect_seconds=int(env("LINK_REDIRECT_SECONDS")),
        token_lifetime_days=int(env("LINK_TOKEN_DAYS")),
        access_log_days=int(env("LINK_ACCESS_LOG_DAYS")),
        base_url=base_url,
        sender=env("SENDER_EMAIL"),
        configuration_set=env("SES_CONFIGURATION_SET"),
        suppression_table=env("EMAIL_SUPPRESSION_TABLE"),
        suppression_salt=env("SUPPRESSION_SALT"),
        timezone=env("SCHEDULE_TIMEZONE"),
    )

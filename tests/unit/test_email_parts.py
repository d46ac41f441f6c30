"""The report email as SES expects it: one multipart/alternative message with a plain-text part
and an HTML part, both UTF-8, both carrying the link."""
from __future__ import annotations

import email
from datetime import datetime, timezone
from email import policy

from saleslens.delivery.email import build_report_email
from saleslens.links.issue import IssuedLink

RECIPIENT = {"employee_name": "Asha Rao", "email": "asha.rao@field.example.com"}
LINK = "https://reports.example.com/r?t=1&u=2"
ISSUED = IssuedLink(url=LINK, expires_at=datetime(2026, 8, 30, tzinfo=timezone.utc), lifetime_days=30)


def test_the_email_has_a_text_part_and_an_html_part_with_the_same_link():
    raw = build_report_email(sender="reports@saleslens.example.com", recipient=RECIPIENT,
                             subject="Your daily sales report as of 2026-07-31", link=ISSUED)
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    text, html = (p.get_content() for p in parts)
    assert LINK in text and "<a href=\"https://reports.example.com/r?t=1&amp;u=2\">" in html
    assert "<" not in text.replace(LINK, "")  # the text part is text, not markup

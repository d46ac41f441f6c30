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


def test_headers_name_the_sender_and_the_person_and_a_name_beyond_ascii_survives():
    person = {"employee_name": "Aṣhā Rāo-D'Souza", "email": "asha.rao@field.example.com"}
    raw = build_report_email(sender="reports@saleslens.example.com", recipient=person,
                             subject="Your daily sales report as of 2026-07-31", link=ISSUED,
                             windows=["Day: 2026-07-31"])
    assert raw.isascii()  # 7-bit on the wire: an encoded word in the header, quoted-printable parts
    msg = email.message_from_bytes(raw, policy=policy.default)
    (to,) = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Aṣhā Rāo-D'Souza", "asha.rao@field.example.com")
    (sender,) = msg["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("SalesLens", "reports@saleslens.example.com")
    assert str(msg["Subject"]) == "Your daily sales report as of 2026-07-31"
    assert msg["Message-ID"].endswith("@saleslens.example.com>")
    assert [p["Content-Transfer-Encoding"] for p in msg.iter_parts()] == ["quoted-printable"] * 2
    text, html = (p.get_content() for p in msg.iter_parts())
    assert text.startswith("Hello Aṣhā Rāo-D'Souza,\n\n") and "- Day: 2026-07-31\n" in text
    assert html.startswith("<p>Hello Aṣhā Rāo-D&#x27;Souza,</p>")

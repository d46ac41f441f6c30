"""The report email: a short HTML + text message with a link, as raw MIME for SES."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from html import escape
from typing import Dict


def build_report_email(*, sender: str, recipient: Dict[str, str], subject: str, link: str, expires_hours: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = formataddr(("SalesLens", sender))
    msg["To"] = formataddr((recipient["employee_name"], recipient["email"]))
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=sender.split("@", 1)[1])
    text = (
        f"Hello {recipient['employee_name']},\n\n"
        f"{subject} is ready:\n{link}\n\n"
        f"The link works for {expires_hours} hours and only for you.\n"
    )
    msg.set_content(text)
    msg.add_alternative(
        f"<p>Hello {escape(recipient['employee_name'])},</p>"
        f"<p><a href=\"{escape(link, quote=True)}\">{escape(subject)}</a> is ready.</p>"
        f"<p style=\"color:#5b6b7b;font-size:12px\">The link works for {expires_hours} hours and only for you.</p>",
        subtype="html",
    )
    return msg.as_bytes()

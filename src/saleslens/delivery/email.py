"""The report email: a short HTML + text message with a link, as raw MIME for SES."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from html import escape
from typing import Dict, Sequence


def build_report_email(*, sender: str, recipient: Dict[str, str], subject: str, link: str, expires_hours: int,
                       windows: Sequence[str] = ()) -> bytes:
    """``windows``: one line per report window, e.g. "Month to date: 2026-11-01 to 2026-11-20"."""
    msg = EmailMessage()
    msg["From"] = formataddr(("SalesLens", sender))
    msg["To"] = formataddr((recipient["employee_name"], recipient["email"]))
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=sender.split("@", 1)[1])
    covers = "".join(f"- {w}\n" for w in windows)
    # A presigned link is a bearer link: say so rather than promise it is personal.
    caution = f"Anyone who has this link can open the report for {expires_hours} hours: please do not forward it."
    text = (
        f"Hello {recipient['employee_name']},\n\n"
        f"{subject} is ready:\n{link}\n\n"
        + (f"Its figures cover:\n{covers}\n" if covers else "")
        + f"{caution}\n"
    )
    msg.set_content(text)
    items = "".join(f"<li>{escape(w)}</li>" for w in windows)
    msg.add_alternative(
        f"<p>Hello {escape(recipient['employee_name'])},</p>"
        f"<p><a href=\"{escape(link, quote=True)}\">{escape(subject)}</a> is ready.</p>"
        + (f"<p>Its figures cover:</p><ul>{items}</ul>" if items else "")
        + f"<p style=\"color:#3d4b59;font-size:12px\">{escape(caution)}</p>",
        subtype="html",
    )
    return msg.as_bytes()

"""The report email and the fresh-link email: short HTML + text messages with a link, as raw MIME for SES.

Built with the email package's MIME classes (multipart/alternative, each part UTF-8 in
quoted-printable; a name beyond ASCII RFC 2047-encoded by ``formataddr``): the message the newer
``EmailMessage`` API builds, in under a third of its time (bench/README.md, "Distribution").
"""
from __future__ import annotations

from email.charset import QP, Charset
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import formataddr, make_msgid
from html import escape
from typing import Dict, Sequence

from saleslens.links.issue import IssuedLink

_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP  # readable in an .eml, as the text is mostly ASCII


def link_terms(link: IssuedLink) -> str:
    """What the link does, as the link service enforces it (saleslens.links.service)."""
    return (f"This link opens your report for {link.lifetime_days} days (until {link.expires_at:%d %b %Y %H:%M} UTC) "
            "while you hold this position; it stops working if you leave the position or it is revoked. "
            "It is for you only: please do not forward it. Every open is recorded. After it expires, the page it "
            "opens lets you ask for a fresh link, sent to your email address on record.")


def _message(sender: str, to_name: str, to_email: str, subject: str, text: str, html: str) -> bytes:
    msg = MIMEMultipart("alternative")
    msg["From"] = formataddr(("SalesLens", sender))
    msg["To"] = formataddr((to_name, to_email)) if to_name else to_email
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=sender.split("@", 1)[1])
    for subtype, body in (("plain", text), ("html", html)):
        part = MIMENonMultipart("text", subtype, charset="utf-8")
        part.set_payload(body, _UTF8)
        msg.attach(part)
    return msg.as_bytes()


def build_report_email(*, sender: str, recipient: Dict[str, str], subject: str, link: IssuedLink,
                       windows: Sequence[str] = ()) -> bytes:
    """``windows``: one line per report window, e.g. "Month to date: 2026-11-01 to 2026-11-20"."""
    covers = "".join(f"- {w}\n" for w in windows)
    terms = link_terms(link)
    text = (
        f"Hello {recipient['employee_name']},\n\n"
        f"{subject} is ready:\n{link.url}\n\n"
        + (f"Its figures cover:\n{covers}\n" if covers else "")
        + f"{terms}\n"
    )
    items = "".join(f"<li>{escape(w)}</li>" for w in windows)
    html = (f"<p>Hello {escape(recipient['employee_name'])},</p>"
            f"<p><a href=\"{escape(link.url, quote=True)}\">{escape(subject)}</a> is ready.</p>"
            + (f"<p>Its figures cover:</p><ul>{items}</ul>" if items else "")
            + f"<p style=\"color:#3d4b59;font-size:12px\">{escape(terms)}</p>\n")
    return _message(sender, recipient["employee_name"], recipient["email"], subject, text, html)


FRESH_LINK_SUBJECT = "Your fresh SalesLens report link"


def build_fresh_link_email(*, sender: str, email: str, link: IssuedLink) -> bytes:
    """The fresh link a current holder asked for, to the address on record (no name is kept there)."""
    terms = link_terms(link)
    return _message(
        sender, "", email, FRESH_LINK_SUBJECT,
        f"Hello,\n\nYou asked for a fresh link to your SalesLens report:\n{link.url}\n\n{terms}\n",
        f"<p>Hello,</p><p>You asked for a fresh link to <a href=\"{escape(link.url, quote=True)}\">your SalesLens report</a>.</p>"
        f"<p style=\"color:#3d4b59;font-size:12px\">{escape(terms)}</p>\n")

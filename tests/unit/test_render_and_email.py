from __future__ import annotations

import email
from email import policy

from saleslens.delivery.email import build_report_email
from saleslens.reports.render import format_inr, render_primary_sales

RECIPIENT = {"employee_id": "E000001", "employee_name": "Asha <Rao>", "email": "asha@x.example.com",
             "position_id": "P00002", "role": "ASM", "position_name": "Pune"}
ROWS = [
    {"territory_code": "T0002", "territory_name": "Pune West", "net_value": "300.00", "gross_value": "300.00", "billed_units": "100", "free_units": "10", "invoice_lines": "1"},
    {"territory_code": "T0001", "territory_name": "Pune East", "net_value": "1252.50", "gross_value": "1252.50", "billed_units": "17", "free_units": "1", "invoice_lines": "3"},
]


def test_indian_digit_grouping():
    assert format_inr("12345678.5") == "1,23,45,678.50"
    assert format_inr(999) == "999.00"
    assert format_inr("-1000") == "-1,000.00"
    assert format_inr(None) == "0.00"


def test_report_totals_and_orders_territories_by_net_sales():
    html = render_primary_sales(RECIPIENT, ROWS, run_date="2026-11-20", cadence="daily")
    assert "1,552.50" in html  # 1252.50 + 300.00
    assert html.index("T0001") < html.index("T0002")
    assert "width: 100%" in html and "width: 23%" in html  # 300 / 1252.50 = 23.9% -> 23


def test_report_escapes_names():
    html = render_primary_sales(RECIPIENT, ROWS, run_date="2026-11-20", cadence="daily")
    assert "Asha &lt;Rao&gt;" in html and "Asha <Rao>" not in html


def test_report_with_no_sales_says_so():
    html = render_primary_sales(RECIPIENT, [], run_date="2026-11-20", cadence="daily")
    assert "No primary sales were invoiced" in html


def test_email_carries_the_link_in_text_and_html():
    raw = build_report_email(sender="reports@s.example.com", recipient=RECIPIENT, subject="Your daily report",
                             link="https://r.example.com/x?a=1&b=2", expires_hours=6)
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == "asha@x.example.com"
    assert msg["Subject"] == "Your daily report"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "https://r.example.com/x?a=1&b=2" in text
    assert 'href="https://r.example.com/x?a=1&amp;b=2"' in html
    assert "6 hours" in text

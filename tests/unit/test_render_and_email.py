"""The report and its email: what a recipient sees, from hand-written mart rows."""
from __future__ import annotations

import email
import re
from datetime import datetime, timezone
from decimal import Decimal
from email import policy
from html.parser import HTMLParser

import pytest
from jinja2 import UndefinedError
from markupsafe import Markup

from saleslens.delivery.email import build_report_email
from saleslens.links.issue import IssuedLink
from saleslens.reports.model import RunData, build_report
from saleslens.reports.numbers import format_int, group_indian, number
from saleslens.reports.render import _ENV, cell, format_inr, render

ASM = {"employee_id": "E000001", "employee_name": "Asha <Rao>", "email": "asha@x.example.com",
       "position_id": "P00006", "role": "ASM", "position_name": "Pune", "parent_position_id": "P00005"}
WINDOWS = {"day": ("1", "2026-11-20", "2026-11-20", "2025-11-20", "2025-11-20"),
           "mtd": ("2", "2026-11-01", "2026-11-20", "2025-11-01", "2025-11-20")}


def primary(position, parent, role, window, net, growth=""):
    order, start, end, ly_start, ly_end = WINDOWS[window]
    return {"position_id": position, "parent_position_id": parent, "role": role, "position_name": f"Name {position}",
            "window_id": window, "window_order": order, "start_date": start, "end_date": end, "ly_start_date": ly_start,
            "ly_end_date": ly_end, "net_value": net, "growth_pct": growth, "gross_value": net}


DATA = RunData({
    "primary": [
        primary("P00006", "P00005", "ASM", "day", "1552.50"), primary("P00006", "P00005", "ASM", "mtd", "9100.00", "12.5"),
        primary("P00007", "P00006", "SR", "day", "1252.50"), primary("P00007", "P00006", "SR", "mtd", "7000.00"),
        primary("P00008", "P00006", "SR", "day", "300.00"), primary("P00008", "P00006", "SR", "mtd", "2100.00"),
    ],
    "targets": [
        {"position_id": "P00007", "parent_position_id": "P00006", "window_id": "mtd", "target_value": "7500.00",
         "achievement_value_pct": "93.33", "rank_in_parent": "1", "is_vacant": "false"},
        {"position_id": "P00008", "parent_position_id": "P00006", "window_id": "mtd", "target_value": "3000.00",
         "achievement_value_pct": "70.0", "rank_in_parent": "", "is_vacant": "true"},
    ],
})


class Cells(HTMLParser):
    """Every figure cell: (section, kpi, window) -> data-value."""

    def __init__(self) -> None:
        super().__init__()
        self.section = ""
        self.cells = {}
        self.positions = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.section = a.get("id", "")
        if tag == "td" and "data-kpi" in a:
            self.cells.setdefault((self.section, a["data-kpi"], a.get("data-window", "")), []).append(a["data-value"])
        if tag == "tr" and "data-position" in a:
            self.positions.append((a["data-position"], a.get("data-parent")))


def parse(html):
    p = Cells()
    p.feed(html)
    return p


def test_indian_digit_grouping():
    assert format_inr("12345678.5") == "1,23,45,678.50"
    assert format_inr(999) == "999.00"
    assert format_inr("-1000") == "-1,000.00"
    assert format_inr(None) == "0.00"


def test_indian_grouping_of_parsed_figures_rounds_half_even():
    # The cells format Decimals already parsed; hand-written expectations, every head length.
    assert [group_indian("1234567890"[:n]) for n in range(1, 11)] == [
        "1", "12", "123", "1,234", "12,345", "1,23,456", "12,34,567", "1,23,45,678", "12,34,56,789", "1,23,45,67,890"]
    assert format_inr(Decimal("1234567.125")) == "12,34,567.12"  # a half to the even paisa
    assert format_inr(Decimal("1234567.135")) == "12,34,567.14"
    assert format_inr(Decimal("-0.005")) == "0.00"  # no "-0.00"
    assert format_inr(Decimal("-98765432.1")) == "-9,87,65,432.10"
    assert format_int(Decimal("2.5")) == "2" and format_int(Decimal("3.5")) == "4"
    assert format_int(Decimal("-123456789")) == "-12,34,56,789"
    assert number("12.50") == Decimal("12.50") and number("") is None and number("n/a") is None
    assert number("NaN") is None and number(Decimal("7")) == Decimal("7")


def test_a_value_reads_as_its_kind_each_time_it_is_shown():
    # A cell's text is kept per kind and value (render._SHOWN_TEXTS): the same value shown as an
    # amount, a percentage and a count reads as each, and the second time as the first.
    row = {"v": "1234.5", "bad": "<b>n/a</b>"}
    for _ in range(2):
        assert cell(row, "v", "mtd", "inr") == ('<td class="num" data-kpi="v" data-value="1234.5" '
                                                'data-window="mtd">1,234.50</td>')
        assert cell(row, "v", "", "pct").endswith('data-value="1234.5">1234.50%</td>')
        assert cell(row, "v", "", "int").endswith(">1,234</td>")  # 1234.5 to the even unit
        assert cell(row, "v", "", "dec1").endswith(">1234.5</td>")
        # text that is no number: a dash, the text kept as data and escaped
        assert cell(row, "bad", "", "inr") == ('<td class="num" data-kpi="bad" data-value="&lt;b&gt;n/a&lt;/b&gt;">'
                                               '\u2013</td>')
        assert cell(None, "v", "", "inr").endswith('data-value="">\u2013</td>')


def test_the_templates_read_a_rows_figure_and_a_dicts_own_methods_as_jinja_orders_them():
    # The environment reads a dict's key before trying the attribute; a key named like a dict
    # method still gives the method (Jinja's order), and a missing figure is still an error.
    r = {"net_value": "5", "items": "shadowed", "get": "shadowed"}
    page = _ENV.from_string("{{ r.net_value }}|{{ r.items is callable }}|{{ r.get('x', 'none') }}").render(r=r)
    assert page == "5|True|none"
    with pytest.raises(UndefinedError):
        _ENV.from_string("{{ r.missing }}").render(r=r)


def test_markup_is_output_as_it_is_and_text_escaped_in_every_template_the_report_uses():
    # render._escape hands markup back without copying it; every template the environment
    # compiles (the page, its chart macros, a string) escapes with it, and text is still escaped.
    from saleslens.reports import render as render_mod

    for template in (render_mod._TEMPLATE, _ENV.get_template("charts.html.j2"), _ENV.from_string("")):
        assert template.root_render_func.__globals__["escape"] is render_mod._escape
    page = _ENV.from_string("{{ a }}|{{ b }}|{{ c }}|{{ n }}").render(
        a=Markup("<b>x &amp; y</b>"), b="<i>\"Rao\" & 'co'</i>", c=cell({"v": "5"}, "v", "", "int"), n=None)
    assert page == ('<b>x &amp; y</b>|&lt;i&gt;&#34;Rao&#34; &amp; &#39;co&#39;&lt;/i&gt;|'
                    '<td class="num" data-kpi="v" data-value="5">5</td>|None')


def test_every_figure_is_labelled_with_its_window():
    html = render(build_report(ASM, DATA, run_date="2026-11-20", cadence="daily"))
    cells = parse(html).cells
    assert cells[("primary", "net_value", "day")][0] == "1552.50"
    assert cells[("primary", "net_value", "mtd")][0] == "9100.00"
    assert ">1,552.50<" in html and ">9,100.00<" in html
    assert "Month to date</strong> 2026-11-01 to 2026-11-20" in html
    assert "Day</strong> 2026-11-20" in html
    # Growth of the day has no last-year value: a dash, never 0.
    assert re.search(r'data-kpi="growth_pct" data-value="" data-window="day">\u2013<', html)


def test_a_manager_sees_each_direct_report_once_with_vacancy_and_rank():
    html = render(build_report(ASM, DATA, run_date="2026-11-20", cadence="daily"))
    p = parse(html)
    # two windows x two direct reports, no drill-down below SRs
    assert p.positions == [("P00007", None), ("P00008", None), ("P00007", None), ("P00008", None)]
    assert p.cells[("primary", "rank_in_parent", "mtd")] == ["1", ""]
    # P00008 is vacant on the date: flagged in the mtd table (no target row for the day) and in
    # the achievement chart's table
    assert html.count('class="flag">vacant<') == 1
    assert html.count("<td>vacant</td>") == 1


def test_names_are_escaped():
    html = render(build_report(ASM, DATA, run_date="2026-11-20", cadence="daily"))
    assert "Asha &lt;Rao&gt;" in html and "Asha <Rao>" not in html


def test_an_sr_sees_no_direct_reports_and_no_unmapped_lines():
    sr = {**ASM, "position_id": "P00007", "role": "SR", "parent_position_id": "P00006"}
    report = build_report(sr, DATA, run_date="2026-11-20", cadence="daily")
    assert report.direct_reports == [] and report.unmapped == {}
    assert parse(render(report)).cells[("primary", "net_value", "mtd")] == ["7000.00"]


def test_email_carries_the_link_the_windows_and_says_what_the_link_does():
    link = IssuedLink("https://r.example.com/?t=v1.a-b.c_d", datetime(2026, 12, 20, 7, 30, tzinfo=timezone.utc), 30)
    raw = build_report_email(sender="reports@s.example.com", recipient=ASM, subject="Your daily report", link=link,
                             windows=["Day: 2026-11-20", "Month to date: 2026-11-01 to 2026-11-20"])
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == "asha@x.example.com"
    assert msg["Subject"] == "Your daily report"
    text = " ".join(msg.get_body(("plain",)).get_content().split())
    html = msg.get_body(("html",)).get_content()
    assert "https://r.example.com/?t=v1.a-b.c_d" in text
    assert 'href="https://r.example.com/?t=v1.a-b.c_d"' in html
    assert "- Month to date: 2026-11-01 to 2026-11-20" in msg.get_body(("plain",)).get_content()
    assert ("This link opens your report for 30 days (until 20 Dec 2026 07:30 UTC) while you hold this position; "
            "it stops working if you leave the position or it is revoked. It is for you only: please do not forward it. "
            "Every open is recorded. After it expires, the page it opens lets you ask for a fresh link, sent to your "
            "email address on record.") in text

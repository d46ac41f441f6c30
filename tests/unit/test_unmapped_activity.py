"""saleslens.distribution.unmapped: the mart's rows (Athena text) per window and dataset, as the
run summary and ops message carry them."""
from saleslens.distribution.unmapped import MAX_CODES, activity_by_window, describe


def _row(window, dataset, code, n, value=""):
    return {"window_id": window, "dataset": dataset, "territory_code": code, "row_count": str(n),
            "monthly_target_value": value}


def test_rows_are_counted_per_window_and_dataset_with_the_codes_by_most_rows():
    rows = [_row("mtd", "targets", "T8", 1, "200.50"), _row("mtd", "targets", "T9", 2, "700.00"),
            _row("mtd", "calls", "T9", 5), _row("day", "calls", "T9", 1)]
    assert activity_by_window(rows) == {
        "mtd": [{"dataset": "calls", "rows": 5, "territories": 1, "codes": ["T9"]},
                {"dataset": "targets", "rows": 3, "territories": 2, "codes": ["T9", "T8"],
                 "monthly_target_value": "900.50"}],
        "day": [{"dataset": "calls", "rows": 1, "territories": 1, "codes": ["T9"]}],
    }


def test_at_most_ten_codes_are_named_and_the_line_says_there_are_more():
    rows = [_row("day", "calls", f"T{i:02d}", 1) for i in range(12)]
    (entry,) = activity_by_window(rows)["day"]
    assert (entry["rows"], entry["territories"], len(entry["codes"])) == (12, 12, MAX_CODES)
    assert describe(entry) == ("calls: 12 rows in 12 unknown territories "
                               "(T00, T01, T02, T03, T04, T05, T06, T07, T08, T09, ...)")


def test_a_target_line_carries_its_monthly_value():
    (entry,) = activity_by_window([_row("month", "targets", "T9", 1, "700.00")])["month"]
    assert describe(entry) == "targets: 1 row in 1 unknown territory (T9), monthly target 700.00"


def test_no_rows_no_windows():
    assert activity_by_window([]) == {}

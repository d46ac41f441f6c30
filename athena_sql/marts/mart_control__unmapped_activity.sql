-- Activity rows of each report window whose territory the territory master does not list on the
-- as-of date, so they are shown to ops instead of dropped: such a target counts in no
-- achievement, such a call plan in no plan attainment or coverage, such a call against no plan,
-- such an event attendance in no key-HCP reach. Facts keep their code (conform counts it as
-- unmapped in the run ledger), so they map once the master lists the territory.
-- Windows: a target or call plan counts in every window that touches its month; a call or an
-- attendance in every window that holds its date. monthly_target_value is the whole monthly
-- target of those rows (not prorated to the window).
-- Grain: one row per as-of date, cadence, window, dataset and territory.
CREATE OR REPLACE VIEW mart_control__unmapped_activity AS
WITH known AS (
    SELECT DISTINCT w.as_of_date, tv.territory_code
    FROM (SELECT DISTINCT as_of_date FROM int_calendar__report_windows) AS w
    JOIN stg_hr__territory_versions AS tv ON w.as_of_date BETWEEN tv.valid_from AND tv.valid_to
),

-- Counted per day (or month) and territory before the windows: a month of calls is millions of
-- rows, and only the few territories the master does not list survive the anti-join.
monthly AS (
    SELECT
        'targets' AS dataset,
        t.target_month AS month_start,
        t.territory_code,
        count(*) AS row_count,
        sum(CAST(t.target_value AS DOUBLE)) AS monthly_target_value
    FROM stg_erp__targets AS t
    GROUP BY 1, 2, 3
    UNION ALL
    SELECT
        'call_plans' AS dataset,
        p.plan_month AS month_start,
        p.territory_code,
        count(*) AS row_count,
        CAST(NULL AS DOUBLE) AS monthly_target_value
    FROM stg_crm__call_plans AS p
    GROUP BY 1, 2, 3
),

-- Only the window days' partitions are read (the calendar on the right of the join).
daily AS (
    SELECT f.dataset, f.dt, f.territory_code, count(*) AS row_count
    FROM (
        SELECT 'calls' AS dataset, c.dt, c.territory_code FROM stg_crm__calls AS c
        UNION ALL
        SELECT 'event_attendance' AS dataset, e.dt, e.territory_code FROM stg_evt__attendance AS e
    ) AS f
    JOIN (SELECT DISTINCT wd.dt FROM int_calendar__window_days AS wd WHERE wd.period = 'TY') AS d ON d.dt = f.dt
    GROUP BY 1, 2, 3
),

windowed AS (
    SELECT rw.as_of_date, rw.cadence, rw.window_id, rw.window_order, m.dataset, m.territory_code, m.row_count,
           m.monthly_target_value
    FROM monthly AS m
    JOIN int_calendar__report_windows AS rw
        ON m.month_start BETWEEN CAST(date_trunc('month', rw.start_date) AS DATE) AND rw.end_date
    UNION ALL
    SELECT rw.as_of_date, rw.cadence, rw.window_id, rw.window_order, d.dataset, d.territory_code, d.row_count,
           CAST(NULL AS DOUBLE) AS monthly_target_value
    FROM daily AS d
    JOIN int_calendar__window_days AS wd ON wd.dt = d.dt AND wd.period = 'TY'
    JOIN int_calendar__report_windows AS rw
        ON rw.as_of_date = wd.as_of_date AND rw.cadence = wd.cadence AND rw.window_id = wd.window_id
),

unmapped AS (
    SELECT w.*
    FROM windowed AS w
    LEFT JOIN known AS k ON k.as_of_date = w.as_of_date AND k.territory_code = w.territory_code
    WHERE k.territory_code IS NULL
)

SELECT
    as_of_date,
    cadence,
    window_id,
    window_order,
    dataset,
    territory_code,
    sum(row_count) AS row_count,
    sum(monthly_target_value) AS monthly_target_value
FROM unmapped
GROUP BY 1, 2, 3, 4, 5, 6

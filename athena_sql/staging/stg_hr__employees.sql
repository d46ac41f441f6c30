-- The employee master as HR knows it now (dim_employee).
-- Grain: one row per employee.
CREATE OR REPLACE VIEW stg_hr__employees AS
SELECT
    employee_id,
    employee_name,
    email,
    mobile,
    country,
    date_of_joining,
    date_of_leaving,
    leaving_reason
FROM cur_hr__employees

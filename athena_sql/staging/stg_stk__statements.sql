-- Stockist statements per SKU and month; secondary units by the stock identity (opening +
-- received - returned - closing); partition = the statement month.
-- Grain: one row per stockist, SKU and month.
CREATE OR REPLACE VIEW stg_stk__statements AS
SELECT
    statement_month,
    stockist_code,
    sku,
    opening_units,
    received_units,
    returned_units,
    closing_units,
    secondary_units,
    reported_secondary_units,
    submitted_on,
    dt
FROM cur_stk__statements

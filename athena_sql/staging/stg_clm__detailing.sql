-- E-detailing per call and brand: slides shown, seconds, key-message slides (from the slide views).
-- Grain: one row per call and brand.
CREATE OR REPLACE VIEW stg_clm__detailing AS
SELECT
    call_date,
    call_id,
    employee_id,
    brand_code,
    slides_shown,
    seconds,
    key_message_slides,
    dt
FROM cur_clm__detailing

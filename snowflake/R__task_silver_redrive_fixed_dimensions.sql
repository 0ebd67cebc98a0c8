-- The automatic redrive (setting auto_redrive_dimension_rejects = {{ auto_redrive_dimension_rejects }}): when a
-- row of DIM_STORE, DIM_PRODUCT or DIM_PAYMENT_METHOD is added or changed (by the seed scripts or
-- by CDC), the rejected records whose only failed rules are UNKNOWN_STORE / UNKNOWN_PRODUCT /
-- UNKNOWN_PAYMENT_METHOD and whose keys all exist now are sent back through PROCESS_RAW_POS
-- (SILVER.REDRIVE_REJECTED with no rule id). A__2_resume_tasks.sql resumes the task when the
-- setting is true and suspends it when false.
-- The three streams only trigger the task (which keys changed does not matter: the selection reads
-- the dimensions whole), so this script recreates them whenever it is applied again, the setting
-- changed included: a stream left unconsumed while the task was off may have gone stale ("A
-- stream becomes stale when its offset is outside of the data retention period for its source
-- table", Introduction to streams), and a fresh one starts from the table's current version.
CREATE OR REPLACE STREAM {{ database }}.SILVER.DIM_STORE_REDRIVE_STREAM
ON TABLE {{ database }}.SILVER.DIM_STORE
COMMENT = 'Wakes REDRIVE_FIXED_DIMENSIONS_TASK when a store is added or changed';

CREATE OR REPLACE STREAM {{ database }}.SILVER.DIM_PRODUCT_REDRIVE_STREAM
ON TABLE {{ database }}.SILVER.DIM_PRODUCT
COMMENT = 'Wakes REDRIVE_FIXED_DIMENSIONS_TASK when a product is added or changed';

CREATE OR REPLACE STREAM {{ database }}.SILVER.DIM_PAYMENT_METHOD_REDRIVE_STREAM
ON TABLE {{ database }}.SILVER.DIM_PAYMENT_METHOD
COMMENT = 'Wakes REDRIVE_FIXED_DIMENSIONS_TASK when a payment method is added or changed';

GRANT SELECT ON STREAM {{ database }}.SILVER.DIM_STORE_REDRIVE_STREAM TO ROLE {{ transform_role }};

GRANT SELECT ON STREAM {{ database }}.SILVER.DIM_PRODUCT_REDRIVE_STREAM TO ROLE {{ transform_role }};

GRANT SELECT ON STREAM {{ database }}.SILVER.DIM_PAYMENT_METHOD_REDRIVE_STREAM TO ROLE {{ transform_role }};

-- Triggered (no SCHEDULE), at most every 10 s; SUSPEND_TASK_AFTER_NUM_FAILURES as the other tasks.
CREATE OR REPLACE TASK {{ database }}.SILVER.REDRIVE_FIXED_DIMENSIONS_TASK
    USER_TASK_TIMEOUT_MS = 900000
    SUSPEND_TASK_AFTER_NUM_FAILURES = 3
    COMMENT = 'A dimension row added or changed: send back the rejects it fixes'
    USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 10
    {% if task_warehouse %}WAREHOUSE = {{ task_warehouse }}{% else %}TARGET_COMPLETION_INTERVAL = '60 SECONDS'{% endif %}
WHEN
    SYSTEM$STREAM_HAS_DATA('{{ database }}.SILVER.DIM_STORE_REDRIVE_STREAM')
    OR SYSTEM$STREAM_HAS_DATA('{{ database }}.SILVER.DIM_PRODUCT_REDRIVE_STREAM')
    OR SYSTEM$STREAM_HAS_DATA('{{ database }}.SILVER.DIM_PAYMENT_METHOD_REDRIVE_STREAM')
AS
    CALL {{ database }}.SILVER.REDRIVE_REJECTED(NULL, NULL, NULL);

GRANT OWNERSHIP ON TASK {{ database }}.SILVER.REDRIVE_FIXED_DIMENSIONS_TASK TO ROLE {{ transform_role }} COPY CURRENT GRANTS;

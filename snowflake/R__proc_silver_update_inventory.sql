-- Silver line items -> INVENTORY, in one transaction over its own stream. Net units sold per
-- (store, product) = quantity of non-canceled lines; UNITS_SOLD and ON_HAND move together, so
-- ON_HAND = INITIAL_STOCK - UNITS_SOLD always holds. Stock for a pair never seeded starts from
-- DIM_PRODUCT.INITIAL_STOCK, the same value A__1_seed_inventory.sql uses.
CREATE OR REPLACE PROCEDURE {{ database }}.SILVER.UPDATE_INVENTORY()
RETURNS VARIANT
LANGUAGE SQL
COMMENT = 'Apply new Silver line items to SILVER.INVENTORY'
EXECUTE AS OWNER
AS
$$
DECLARE
    run_id VARCHAR DEFAULT UUID_STRING();
    started_at TIMESTAMP_TZ DEFAULT CURRENT_TIMESTAMP();
    source_rows_seen NUMBER DEFAULT NULL;
    rows_read NUMBER DEFAULT 0;
    rows_written NUMBER DEFAULT 0;
    error_message VARCHAR DEFAULT '';
    error_sqlstate VARCHAR DEFAULT '';
BEGIN
    BEGIN TRANSACTION;

    -- Silver rows as of this transaction, for OPS.STREAM_BACKLOG (COUNT(*) of a table is metadata).
    source_rows_seen := (SELECT COUNT(*) FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED);
    -- Inside the transaction every read of the stream sees the same rows (repeatable read).
    rows_read := (SELECT COUNT(*) FROM {{ database }}.SILVER.PROCESSED_FOR_INVENTORY_STREAM);

    -- The DML that consumes the stream (at COMMIT).
    MERGE INTO {{ database }}.SILVER.INVENTORY AS tgt
    USING (
        SELECT
            movement.STORE_ID,
            movement.PRODUCT_ID,
            movement.UNITS_SOLD,
            movement.LAST_MOVEMENT_AT,
            COALESCE(product.INITIAL_STOCK, 0) AS INITIAL_STOCK,
            COALESCE(product.REORDER_POINT, 0) AS REORDER_POINT,
            CURRENT_TIMESTAMP() AS UPDATED_AT,
            :run_id AS RUN_ID
        FROM (
            SELECT
                line.STORE_ID,
                line.PRODUCT_ID,
                SUM(IFF(line.CANCELED, 0, line.QUANTITY)) AS UNITS_SOLD,
                MAX(IFF(line.CANCELED, NULL, line.EVENT_TS)) AS LAST_MOVEMENT_AT
            FROM {{ database }}.SILVER.PROCESSED_FOR_INVENTORY_STREAM AS line
            -- Canary sales (pos verify) move no stock: the stream still consumes them.
            WHERE line.STORE_ID NOT IN (
                SELECT canary.STORE_ID FROM {{ database }}.SILVER.DIM_STORE AS canary WHERE canary.IS_CANARY
            )
            GROUP BY line.STORE_ID, line.PRODUCT_ID
        ) AS movement
        LEFT OUTER JOIN {{ database }}.SILVER.DIM_PRODUCT AS product
            ON movement.PRODUCT_ID = product.PRODUCT_ID
    ) AS src
        ON tgt.STORE_ID = src.STORE_ID AND tgt.PRODUCT_ID = src.PRODUCT_ID
    WHEN MATCHED THEN UPDATE SET
        UNITS_SOLD = tgt.UNITS_SOLD + src.UNITS_SOLD,
        ON_HAND = tgt.ON_HAND - src.UNITS_SOLD,
        LAST_MOVEMENT_AT = GREATEST(
            COALESCE(tgt.LAST_MOVEMENT_AT, src.LAST_MOVEMENT_AT),
            COALESCE(src.LAST_MOVEMENT_AT, tgt.LAST_MOVEMENT_AT)
        ),
        UPDATED_AT = src.UPDATED_AT,
        LAST_RUN_ID = src.RUN_ID
    WHEN NOT MATCHED THEN INSERT (
        STORE_ID, PRODUCT_ID, INITIAL_STOCK, UNITS_SOLD, ON_HAND, REORDER_POINT, LAST_MOVEMENT_AT, UPDATED_AT,
        LAST_RUN_ID
    ) VALUES (
        src.STORE_ID, src.PRODUCT_ID, src.INITIAL_STOCK, src.UNITS_SOLD, src.INITIAL_STOCK - src.UNITS_SOLD,
        src.REORDER_POINT, src.LAST_MOVEMENT_AT, src.UPDATED_AT, src.RUN_ID
    );
    -- One INVENTORY row inserted or updated per (store, product) in the delta.
    rows_written := SQLROWCOUNT;

    INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
        RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ROWS_READ, ROWS_ACCEPTED,
        ROWS_REJECTED, ROWS_DUPLICATE, ROWS_WRITTEN, ERROR_MESSAGE, ERROR_SQLSTATE, SOURCE_ROWS_SEEN
    )
    SELECT
        :run_id,
        'SILVER.UPDATE_INVENTORY',
        :started_at,
        CURRENT_TIMESTAMP(),
        DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
        'SUCCEEDED',
        :rows_read,
        :rows_read,
        0,
        0,
        :rows_written,
        NULL,
        NULL,
        :source_rows_seen;

    COMMIT;
    RETURN OBJECT_CONSTRUCT('run_id', run_id, 'rows_read', rows_read, 'rows_written', rows_written);
EXCEPTION
    WHEN OTHER THEN
        ROLLBACK;
        error_message := SQLERRM;
        error_sqlstate := SQLSTATE;
        INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
            RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ERROR_MESSAGE, ERROR_SQLSTATE
        )
        SELECT
            :run_id,
            'SILVER.UPDATE_INVENTORY',
            :started_at,
            CURRENT_TIMESTAMP(),
            DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
            'FAILED',
            LEFT(:error_message, 4000),
            :error_sqlstate;
        RAISE;
END;
$$;

GRANT OWNERSHIP ON PROCEDURE {{ database }}.SILVER.UPDATE_INVENTORY() TO ROLE {{ transform_role }} COPY CURRENT GRANTS;

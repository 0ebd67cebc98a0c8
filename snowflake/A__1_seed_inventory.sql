-- Opening stock for every (store, product) pair that has no INVENTORY row yet, so new stores or
-- products get theirs on the next deploy. Existing rows are never touched: they carry sales.
-- A MERGE, not INSERT ... WHERE NOT EXISTS: this runs while the tasks run, and
-- SILVER.UPDATE_INVENTORY's MERGE may add the same pair (first sale of a new product) at the same
-- time. "UPDATE, DELETE, and MERGE statements hold locks that generally prevent them from running
-- in parallel with other UPDATE, DELETE, and MERGE statements", while "Most INSERT and COPY
-- statements ... can run in parallel with an UPDATE, DELETE, or MERGE statement" (Transactions,
-- Resource locking): as a MERGE it does not run beside the task's MERGE.
MERGE INTO {{ database }}.SILVER.INVENTORY AS TGT
USING (
    SELECT
        STORE.STORE_ID,
        PRODUCT.PRODUCT_ID,
        PRODUCT.INITIAL_STOCK,
        PRODUCT.REORDER_POINT
    FROM {{ database }}.SILVER.DIM_STORE AS STORE
    CROSS JOIN {{ database }}.SILVER.DIM_PRODUCT AS PRODUCT
    -- The canary store (V40) holds no stock.
    WHERE STORE.IS_CANARY IS NULL OR NOT STORE.IS_CANARY
) AS SRC
    ON TGT.STORE_ID = SRC.STORE_ID AND TGT.PRODUCT_ID = SRC.PRODUCT_ID
WHEN NOT MATCHED THEN
    INSERT (
        STORE_ID, PRODUCT_ID, INITIAL_STOCK, UNITS_SOLD, ON_HAND, REORDER_POINT, LAST_MOVEMENT_AT, UPDATED_AT,
        LAST_RUN_ID
    )
    VALUES (
        SRC.STORE_ID, SRC.PRODUCT_ID, SRC.INITIAL_STOCK, 0, SRC.INITIAL_STOCK, SRC.REORDER_POINT, NULL,
        CURRENT_TIMESTAMP(), NULL
    );

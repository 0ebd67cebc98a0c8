-- Stock per (store, product). ON_HAND = INITIAL_STOCK - UNITS_SOLD always holds: both move in the
-- same MERGE. Seeded by A__1_seed_inventory.sql, maintained by SILVER.UPDATE_INVENTORY.
CREATE TABLE IF NOT EXISTS {{ database }}.SILVER.INVENTORY (
    STORE_ID VARCHAR(16) NOT NULL,
    PRODUCT_ID VARCHAR(16) NOT NULL,
    INITIAL_STOCK NUMBER(12, 0) NOT NULL,
    UNITS_SOLD NUMBER(12, 0) NOT NULL COMMENT 'Net units sold: non-canceled lines',
    ON_HAND NUMBER(12, 0) NOT NULL,
    REORDER_POINT NUMBER(12, 0) NOT NULL,
    LAST_MOVEMENT_AT TIMESTAMP_TZ COMMENT 'Latest sale time that moved this stock',
    UPDATED_AT TIMESTAMP_TZ NOT NULL,
    LAST_RUN_ID VARCHAR(36)
)
COMMENT = 'Silver: inventory per store and product';

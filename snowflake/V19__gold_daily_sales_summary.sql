-- Per store-local business date and store, in the store's currency. Maintained incrementally by
-- GOLD.UPDATE_DAILY_SUMMARY; always equal to the same aggregation of Silver from scratch.
CREATE TABLE IF NOT EXISTS {{ database }}.GOLD.DAILY_SALES_SUMMARY (
    BUSINESS_DATE DATE NOT NULL,
    STORE_ID VARCHAR(16) NOT NULL,
    CURRENCY VARCHAR(3) NOT NULL,
    GROSS_SALES NUMBER(18, 2) NOT NULL COMMENT 'Sum of transaction totals (non-canceled lines)',
    REFUNDS NUMBER(18, 2) NOT NULL COMMENT 'Sum of refund amounts of those transactions',
    NET_SALES NUMBER(18, 2) NOT NULL COMMENT 'GROSS_SALES - REFUNDS',
    TRANSACTIONS NUMBER(12, 0) NOT NULL,
    UNITS NUMBER(18, 0) NOT NULL COMMENT 'Units on non-canceled lines',
    CANCELED_LINES NUMBER(12, 0) NOT NULL,
    AVG_BASKET NUMBER(18, 2) NOT NULL COMMENT 'GROSS_SALES / TRANSACTIONS',
    LAST_UPDATED TIMESTAMP_TZ NOT NULL
)
CLUSTER BY (BUSINESS_DATE)
COMMENT = 'Gold: daily sales per store';

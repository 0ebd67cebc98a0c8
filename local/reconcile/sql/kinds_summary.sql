-- Per kind (meta.schema): the Bronze rows tagged with it, and the distinct records its Silver
-- table and its dead letter hold, with the procedure that routes it. Records of no known kind
-- ("unknown") land nowhere but in UNCLASSIFIED_REJECTED. An envelope without meta.schema is a sale.
WITH TAGGED AS (
    SELECT
        CASE
            WHEN COALESCE(RECORD_CONTENT:meta:schema::VARCHAR, 'pos.v1')
                IN ('pos.v1', 'clickstream.v1', 'iot.v1', 'app_log.v1', 'cdc.v1')
                THEN COALESCE(RECORD_CONTENT:meta:schema::VARCHAR, 'pos.v1')
            ELSE 'unknown'
        END AS KIND,
        COUNT(*) AS BRONZE_ROWS
    FROM {{ database }}.BRONZE.JSON_RAW_DATA
    GROUP BY 1
),

ROUTED AS (
    SELECT
        'pos.v1' AS KIND,
        'SILVER.PROCESS_RAW_POS' AS PROCEDURE_NAME,
        (SELECT COUNT(DISTINCT TRANSACTION_ID) FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED) AS LANDED,
        (SELECT COUNT(*) FROM {{ database }}.SILVER.RETAIL_POS_REJECTED) AS REJECTED
    UNION ALL
    SELECT
        'clickstream.v1',
        'SILVER.PROCESS_RAW_CLICKSTREAM',
        (SELECT COUNT(*) FROM {{ database }}.SILVER.CLICKSTREAM_EVENTS),
        (SELECT COUNT(*) FROM {{ database }}.SILVER.CLICKSTREAM_REJECTED)
    UNION ALL
    SELECT
        'iot.v1',
        'SILVER.PROCESS_RAW_IOT',
        (SELECT COUNT(*) FROM {{ database }}.SILVER.IOT_READINGS),
        (SELECT COUNT(*) FROM {{ database }}.SILVER.IOT_REJECTED)
    UNION ALL
    SELECT
        'app_log.v1',
        'SILVER.PROCESS_RAW_APP_LOG',
        (SELECT COUNT(*) FROM {{ database }}.SILVER.APP_LOG_EVENTS),
        (SELECT COUNT(*) FROM {{ database }}.SILVER.APP_LOG_REJECTED)
    UNION ALL
    SELECT
        'cdc.v1',
        'SILVER.PROCESS_RAW_CDC',
        (SELECT COUNT(*) FROM {{ database }}.SILVER.DIM_CHANGE_LOG),
        (SELECT COUNT(*) FROM {{ database }}.SILVER.CDC_REJECTED)
    UNION ALL
    SELECT
        'unknown',
        'SILVER.PROCESS_RAW_UNCLASSIFIED',
        0,
        (SELECT COUNT(*) FROM {{ database }}.SILVER.UNCLASSIFIED_REJECTED)
)

SELECT
    ROUTED.KIND,
    ROUTED.PROCEDURE_NAME,
    COALESCE(TAGGED.BRONZE_ROWS, 0) AS BRONZE_ROWS,
    ROUTED.LANDED,
    ROUTED.REJECTED
FROM ROUTED
LEFT JOIN TAGGED ON ROUTED.KIND = TAGGED.KIND
ORDER BY ROUTED.KIND

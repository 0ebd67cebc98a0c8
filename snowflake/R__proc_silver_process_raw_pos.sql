-- Bronze -> Silver in ONE transaction: read the Bronze stream once into the work tables, apply every
-- data-quality rule, route each record (ACCEPTED / REJECTED / DUPLICATE), MERGE accepted line items,
-- insert rejections, log the run, clear the work rows, COMMIT. The stream offset moves only at that
-- COMMIT; any error rolls everything back, logs a FAILED run and re-raises so the task fails.
-- Rules, dedupe and replay semantics: docs/snowflake.md.
CREATE OR REPLACE PROCEDURE {{ database }}.SILVER.PROCESS_RAW_POS()
RETURNS VARIANT
LANGUAGE SQL
COMMENT = 'Parse, validate, dedupe and route new Bronze records into Silver'
EXECUTE AS OWNER
AS
$$
DECLARE
    run_id VARCHAR DEFAULT UUID_STRING();
    started_at TIMESTAMP_TZ DEFAULT CURRENT_TIMESTAMP();
    rows_read NUMBER DEFAULT 0;
    rows_accepted NUMBER DEFAULT 0;
    rows_rejected NUMBER DEFAULT 0;
    rows_duplicate NUMBER DEFAULT 0;
    rows_written NUMBER DEFAULT 0;
    error_message VARCHAR DEFAULT '';
    error_sqlstate VARCHAR DEFAULT '';
BEGIN
    BEGIN TRANSACTION;

    -- The only statement that reads the stream: it consumes all of it at COMMIT.
    INSERT INTO {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD (
        RUN_ID, RECORD_SEQ, RECORD_CONTENT, RECORD_METADATA, RECORD_HASH, TRANSFORM_STATUS,
        TRANSFORM_ERRORS, PAYLOAD, ITEMS_PRESENT, ITEMS, TRANSACTION_ID, STORE_ID, CITY, REGISTER_ID,
        CASHIER_ID, CURRENCY, SCHEMA_VERSION, EVENT_TS_TEXT, EVENT_TS, EVENT_TS_HAS_OFFSET, EVENT_TS_UTC,
        TOTAL_AMOUNT_TEXT, TOTAL_AMOUNT, PAYMENT_METHOD, HAS_REFUND, REFUND_AMOUNT_TEXT, REFUND_AMOUNT,
        REFUND_METHOD, REFUND_TS_TEXT, REFUND_TS, KINESIS_SHARD_ID, KINESIS_SEQUENCE_NUMBER,
        KINESIS_ARRIVAL_AT, INGESTED_AT
    )
    SELECT
        :run_id AS RUN_ID,
        ROW_NUMBER() OVER (
            ORDER BY
                extracted.KINESIS_ARRIVAL_AT,
                extracted.KINESIS_SHARD_ID,
                LPAD(extracted.KINESIS_SEQUENCE_NUMBER, 64, '0'),
                extracted.RECORD_HASH
        ) AS RECORD_SEQ,
        extracted.RECORD_CONTENT,
        extracted.RECORD_METADATA,
        extracted.RECORD_HASH,
        extracted.TRANSFORM_STATUS,
        extracted.TRANSFORM_ERRORS,
        extracted.PAYLOAD,
        extracted.ITEMS_PRESENT,
        IFF(IS_ARRAY(extracted.PAYLOAD:items), extracted.PAYLOAD:items, NULL) AS ITEMS,
        extracted.TRANSACTION_ID,
        extracted.STORE_ID,
        extracted.CITY,
        extracted.REGISTER_ID,
        extracted.CASHIER_ID,
        extracted.CURRENCY,
        extracted.SCHEMA_VERSION,
        extracted.EVENT_TS_TEXT,
        TRY_CAST(extracted.EVENT_TS_TEXT AS TIMESTAMP_TZ) AS EVENT_TS,
        COALESCE(
            REGEXP_LIKE(
                extracted.EVENT_TS_TEXT,
                '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})$'
            ),
            FALSE
        ) AS EVENT_TS_HAS_OFFSET,
        CONVERT_TIMEZONE('UTC', TRY_CAST(extracted.EVENT_TS_TEXT AS TIMESTAMP_TZ))::TIMESTAMP_NTZ AS EVENT_TS_UTC,
        extracted.TOTAL_AMOUNT_TEXT,
        TRY_TO_DECIMAL(extracted.TOTAL_AMOUNT_TEXT, 12, 2) AS TOTAL_AMOUNT,
        extracted.PAYMENT_METHOD,
        extracted.HAS_REFUND,
        extracted.REFUND_AMOUNT_TEXT,
        TRY_TO_DECIMAL(extracted.REFUND_AMOUNT_TEXT, 12, 2) AS REFUND_AMOUNT,
        extracted.REFUND_METHOD,
        extracted.REFUND_TS_TEXT,
        TRY_CAST(extracted.REFUND_TS_TEXT AS TIMESTAMP_TZ) AS REFUND_TS,
        extracted.KINESIS_SHARD_ID,
        extracted.KINESIS_SEQUENCE_NUMBER,
        extracted.KINESIS_ARRIVAL_AT,
        CONVERT_TIMEZONE('UTC', TRY_CAST(extracted.RECEIVED_AT_TEXT AS TIMESTAMP_TZ))::TIMESTAMP_NTZ AS INGESTED_AT
    FROM (
        SELECT
            bronze.RECORD_CONTENT,
            bronze.RECORD_METADATA,
            -- Identity of the content: the payload (or the raw text), never the delivery tags, so
            -- every redelivered copy of a record hashes the same.
            SHA2(
                CASE
                    WHEN bronze.RECORD_CONTENT:payload IS NOT NULL
                        THEN 'payload:' || TO_JSON(bronze.RECORD_CONTENT:payload)
                    WHEN bronze.RECORD_CONTENT:raw IS NOT NULL
                        THEN 'raw:' || COALESCE(bronze.RECORD_CONTENT:raw_encoding::STRING, '') || ':'
                        || COALESCE(bronze.RECORD_CONTENT:raw::STRING, '')
                    ELSE 'content:' || COALESCE(TO_JSON(bronze.RECORD_CONTENT), 'null')
                END,
                256
            ) AS RECORD_HASH,
            bronze.RECORD_CONTENT:meta:status::STRING AS TRANSFORM_STATUS,
            bronze.RECORD_CONTENT:meta:errors AS TRANSFORM_ERRORS,
            bronze.RECORD_CONTENT:payload AS PAYLOAD,
            COALESCE(NOT IS_NULL_VALUE(bronze.RECORD_CONTENT:payload:items), FALSE) AS ITEMS_PRESENT,
            NULLIF(TRIM(bronze.RECORD_CONTENT:payload:transaction_id::STRING), '') AS TRANSACTION_ID,
            NULLIF(TRIM(bronze.RECORD_CONTENT:payload:store_id::STRING), '') AS STORE_ID,
            bronze.RECORD_CONTENT:payload:city::STRING AS CITY,
            bronze.RECORD_CONTENT:payload:register_id::STRING AS REGISTER_ID,
            bronze.RECORD_CONTENT:payload:cashier_id::STRING AS CASHIER_ID,
            NULLIF(TRIM(bronze.RECORD_CONTENT:payload:currency::STRING), '') AS CURRENCY,
            bronze.RECORD_CONTENT:payload:schema_version::STRING AS SCHEMA_VERSION,
            NULLIF(TRIM(bronze.RECORD_CONTENT:payload:timestamp::STRING), '') AS EVENT_TS_TEXT,
            NULLIF(TRIM(bronze.RECORD_CONTENT:payload:total_amount::STRING), '') AS TOTAL_AMOUNT_TEXT,
            NULLIF(TRIM(bronze.RECORD_CONTENT:payload:payment_method::STRING), '') AS PAYMENT_METHOD,
            COALESCE(NOT IS_NULL_VALUE(bronze.RECORD_CONTENT:payload:refund), FALSE) AS HAS_REFUND,
            NULLIF(TRIM(bronze.RECORD_CONTENT:payload:refund:refund_amount::STRING), '') AS REFUND_AMOUNT_TEXT,
            bronze.RECORD_CONTENT:payload:refund:refund_method::STRING AS REFUND_METHOD,
            NULLIF(TRIM(bronze.RECORD_CONTENT:payload:refund:timestamp::STRING), '') AS REFUND_TS_TEXT,
            COALESCE(
                bronze.RECORD_METADATA:kinesisShardId::STRING,
                bronze.RECORD_CONTENT:meta:kinesis:shard::STRING
            ) AS KINESIS_SHARD_ID,
            COALESCE(
                bronze.RECORD_METADATA:kinesisSequenceNumber::STRING,
                bronze.RECORD_CONTENT:meta:kinesis:seq::STRING
            ) AS KINESIS_SEQUENCE_NUMBER,
            TO_TIMESTAMP_NTZ(
                IFF(
                    TRY_TO_NUMBER(bronze.RECORD_CONTENT:meta:kinesis:arrival_ms::STRING)
                    BETWEEN 0 AND 253402300799999,
                    TRY_TO_NUMBER(bronze.RECORD_CONTENT:meta:kinesis:arrival_ms::STRING),
                    NULL
                ),
                3
            ) AS KINESIS_ARRIVAL_AT,
            bronze.RECORD_CONTENT:meta:received_at::STRING AS RECEIVED_AT_TEXT
        FROM {{ database }}.BRONZE.JSON_RAW_DATA_STREAM AS bronze
    ) AS extracted;

    -- Items of every record whose items is an array, typed with TRY_ casts (NULL = unparsable).
    INSERT INTO {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE (
        RUN_ID, RECORD_SEQ, LINE_NUMBER, PRODUCT_ID, PRICE_TEXT, UNIT_PRICE, QUANTITY_TEXT, QUANTITY_VALUE,
        CANCELED_TEXT, CANCELED
    )
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        item.INDEX + 1 AS LINE_NUMBER,
        NULLIF(TRIM(item.VALUE:product_id::STRING), '') AS PRODUCT_ID,
        NULLIF(TRIM(item.VALUE:price::STRING), '') AS PRICE_TEXT,
        TRY_TO_DECIMAL(item.VALUE:price::STRING, 12, 2) AS UNIT_PRICE,
        NULLIF(TRIM(item.VALUE:quantity::STRING), '') AS QUANTITY_TEXT,
        TRY_TO_DECIMAL(item.VALUE:quantity::STRING, 18, 6) AS QUANTITY_VALUE,
        item.VALUE:canceled::STRING AS CANCELED_TEXT,
        TRY_TO_BOOLEAN(COALESCE(item.VALUE:canceled::STRING, 'false')) AS CANCELED
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work,
        LATERAL FLATTEN(INPUT => work.ITEMS) AS item
    WHERE work.RUN_ID = :run_id;

    -- Every failed rule of every record (not only the first), one row each.
    INSERT INTO {{ database }}.SILVER.PROCESS_RAW_POS_WORK_FAILURE (RUN_ID, RECORD_SEQ, RULE_ID, DETAIL)
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'TRANSFORM_FLAGGED' AS RULE_ID,
        'status=' || COALESCE(work.TRANSFORM_STATUS, 'missing') || '; errors='
        || COALESCE(TO_JSON(work.TRANSFORM_ERRORS), '[]') AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    WHERE work.RUN_ID = :run_id AND COALESCE(work.TRANSFORM_STATUS, '') <> 'valid'
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'REQUIRED_FIELD_MISSING' AS RULE_ID,
        'payload' AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    WHERE work.RUN_ID = :run_id AND work.PAYLOAD IS NULL AND work.TRANSFORM_STATUS = 'valid'
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'REQUIRED_FIELD_MISSING' AS RULE_ID,
        field.FIELD_NAME AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    INNER JOIN (
        VALUES
        ('store_id'), ('transaction_id'), ('timestamp'), ('items'), ('total_amount'), ('payment_method'),
        ('refund.refund_amount')
    ) AS field (FIELD_NAME)
        ON
            (field.FIELD_NAME = 'store_id' AND work.STORE_ID IS NULL)
            OR (field.FIELD_NAME = 'transaction_id' AND work.TRANSACTION_ID IS NULL)
            OR (field.FIELD_NAME = 'timestamp' AND work.EVENT_TS_TEXT IS NULL)
            OR (field.FIELD_NAME = 'items' AND NOT work.ITEMS_PRESENT)
            OR (field.FIELD_NAME = 'total_amount' AND work.TOTAL_AMOUNT_TEXT IS NULL)
            OR (field.FIELD_NAME = 'payment_method' AND work.PAYMENT_METHOD IS NULL)
            OR (field.FIELD_NAME = 'refund.refund_amount' AND work.HAS_REFUND AND work.REFUND_AMOUNT_TEXT IS NULL)
    WHERE work.RUN_ID = :run_id AND work.PAYLOAD IS NOT NULL
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'INVALID_TYPE' AS RULE_ID,
        field.FIELD_NAME || ': ' || field.EXPECTED AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    INNER JOIN (
        VALUES
        ('timestamp', 'not an ISO-8601 timestamp'),
        ('items', 'not an array'),
        ('total_amount', 'not a NUMBER(12,2)'),
        ('refund.refund_amount', 'not a NUMBER(12,2)'),
        ('refund.timestamp', 'not an ISO-8601 timestamp')
    ) AS field (FIELD_NAME, EXPECTED)
        ON
            (field.FIELD_NAME = 'timestamp' AND work.EVENT_TS_TEXT IS NOT NULL AND work.EVENT_TS IS NULL)
            OR (field.FIELD_NAME = 'items' AND work.ITEMS_PRESENT AND work.ITEMS IS NULL)
            OR (
                field.FIELD_NAME = 'total_amount'
                AND work.TOTAL_AMOUNT_TEXT IS NOT NULL
                AND work.TOTAL_AMOUNT IS NULL
            )
            OR (
                field.FIELD_NAME = 'refund.refund_amount'
                AND work.REFUND_AMOUNT_TEXT IS NOT NULL
                AND work.REFUND_AMOUNT IS NULL
            )
            OR (
                field.FIELD_NAME = 'refund.timestamp'
                AND work.REFUND_TS_TEXT IS NOT NULL
                AND work.REFUND_TS IS NULL
            )
    WHERE work.RUN_ID = :run_id AND work.PAYLOAD IS NOT NULL
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'TIMESTAMP_WITHOUT_OFFSET' AS RULE_ID,
        'timestamp ' || LEFT(work.EVENT_TS_TEXT, 64) || ' has no UTC offset (Z or +hh:mm)' AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    WHERE work.RUN_ID = :run_id AND work.EVENT_TS IS NOT NULL AND NOT work.EVENT_TS_HAS_OFFSET
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'TIMESTAMP_IN_FUTURE' AS RULE_ID,
        'timestamp ' || LEFT(work.EVENT_TS_TEXT, 64) || ' is more than 10 minutes after arrival at '
        || TO_VARCHAR(
            COALESCE(
                work.KINESIS_ARRIVAL_AT, work.INGESTED_AT, CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())::TIMESTAMP_NTZ
            )
        ) || ' UTC' AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    WHERE
        work.RUN_ID = :run_id
        AND work.EVENT_TS_HAS_OFFSET
        AND work.EVENT_TS_UTC > DATEADD(
            MINUTE,
            10,
            COALESCE(
                work.KINESIS_ARRIVAL_AT, work.INGESTED_AT, CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())::TIMESTAMP_NTZ
            )
        )
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'ITEMS_EMPTY' AS RULE_ID,
        'items is an empty array' AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    WHERE work.RUN_ID = :run_id AND ARRAY_SIZE(work.ITEMS) = 0
    UNION ALL
    SELECT
        line.RUN_ID,
        line.RECORD_SEQ,
        'REQUIRED_FIELD_MISSING' AS RULE_ID,
        'items.' || TO_VARCHAR(line.LINE_NUMBER - 1) || '.' || field.FIELD_NAME AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE AS line
    INNER JOIN (VALUES ('product_id'), ('price'), ('quantity')) AS field (FIELD_NAME)
        ON
            (field.FIELD_NAME = 'product_id' AND line.PRODUCT_ID IS NULL)
            OR (field.FIELD_NAME = 'price' AND line.PRICE_TEXT IS NULL)
            OR (field.FIELD_NAME = 'quantity' AND line.QUANTITY_TEXT IS NULL)
    WHERE line.RUN_ID = :run_id
    UNION ALL
    SELECT
        line.RUN_ID,
        line.RECORD_SEQ,
        'INVALID_TYPE' AS RULE_ID,
        'items.' || TO_VARCHAR(line.LINE_NUMBER - 1) || '.' || field.FIELD_NAME || ': ' || field.EXPECTED AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE AS line
    INNER JOIN (
        VALUES
        ('price', 'not a NUMBER(12,2)'),
        ('quantity', 'not a number'),
        ('canceled', 'not a boolean')
    ) AS field (FIELD_NAME, EXPECTED)
        ON
            (field.FIELD_NAME = 'price' AND line.PRICE_TEXT IS NOT NULL AND line.UNIT_PRICE IS NULL)
            OR (field.FIELD_NAME = 'quantity' AND line.QUANTITY_TEXT IS NOT NULL AND line.QUANTITY_VALUE IS NULL)
            OR (field.FIELD_NAME = 'canceled' AND line.CANCELED IS NULL)
    WHERE line.RUN_ID = :run_id
    UNION ALL
    SELECT
        line.RUN_ID,
        line.RECORD_SEQ,
        'PRICE_NEGATIVE' AS RULE_ID,
        'items.' || TO_VARCHAR(line.LINE_NUMBER - 1) || '.price = ' || TO_VARCHAR(line.UNIT_PRICE) AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE AS line
    WHERE line.RUN_ID = :run_id AND line.UNIT_PRICE < 0
    UNION ALL
    SELECT
        line.RUN_ID,
        line.RECORD_SEQ,
        'QUANTITY_NOT_POSITIVE_INTEGER' AS RULE_ID,
        'items.' || TO_VARCHAR(line.LINE_NUMBER - 1) || '.quantity = ' || LEFT(line.QUANTITY_TEXT, 64) AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE AS line
    WHERE
        line.RUN_ID = :run_id
        AND (line.QUANTITY_VALUE <= 0 OR line.QUANTITY_VALUE <> FLOOR(line.QUANTITY_VALUE))
    UNION ALL
    SELECT
        line.RUN_ID,
        line.RECORD_SEQ,
        'AMOUNT_OUT_OF_RANGE' AS RULE_ID,
        'items.' || TO_VARCHAR(line.LINE_NUMBER - 1) || ': price * quantity does not fit NUMBER(12,2)' AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE AS line
    WHERE line.RUN_ID = :run_id AND ABS(line.UNIT_PRICE * line.QUANTITY_VALUE) > 9999999999.99
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'TOTAL_MISMATCH' AS RULE_ID,
        'total_amount ' || TO_VARCHAR(work.TOTAL_AMOUNT) || ' <> sum of non-canceled lines '
        || TO_VARCHAR(line_sum.LINES_TOTAL::NUMBER(38, 2)) AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    INNER JOIN (
        SELECT
            line.RECORD_SEQ,
            SUM(IFF(line.CANCELED, 0, line.UNIT_PRICE * line.QUANTITY_VALUE)) AS LINES_TOTAL,
            COUNT_IF(line.UNIT_PRICE IS NULL OR line.QUANTITY_VALUE IS NULL OR line.CANCELED IS NULL) AS UNPARSED_LINES
        FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE AS line
        WHERE line.RUN_ID = :run_id
        GROUP BY line.RECORD_SEQ
    ) AS line_sum
        ON work.RECORD_SEQ = line_sum.RECORD_SEQ
    WHERE
        work.RUN_ID = :run_id
        AND work.TOTAL_AMOUNT IS NOT NULL
        AND line_sum.UNPARSED_LINES = 0
        AND ABS(work.TOTAL_AMOUNT - line_sum.LINES_TOTAL) > 0.01
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'REFUND_NEGATIVE' AS RULE_ID,
        'refund.refund_amount = ' || TO_VARCHAR(work.REFUND_AMOUNT) AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    WHERE work.RUN_ID = :run_id AND work.HAS_REFUND AND work.REFUND_AMOUNT < 0
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'REFUND_EXCEEDS_TOTAL' AS RULE_ID,
        'refund.refund_amount ' || TO_VARCHAR(work.REFUND_AMOUNT) || ' > total_amount '
        || TO_VARCHAR(work.TOTAL_AMOUNT) AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    WHERE work.RUN_ID = :run_id AND work.HAS_REFUND AND work.REFUND_AMOUNT > work.TOTAL_AMOUNT
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'UNKNOWN_STORE' AS RULE_ID,
        'store_id ' || LEFT(work.STORE_ID, 64) AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    LEFT OUTER JOIN {{ database }}.SILVER.DIM_STORE AS store
        ON work.STORE_ID = store.STORE_ID
    WHERE work.RUN_ID = :run_id AND work.STORE_ID IS NOT NULL AND store.STORE_ID IS NULL
    UNION ALL
    SELECT
        line.RUN_ID,
        line.RECORD_SEQ,
        'UNKNOWN_PRODUCT' AS RULE_ID,
        'items.' || TO_VARCHAR(line.LINE_NUMBER - 1) || '.product_id ' || LEFT(line.PRODUCT_ID, 64) AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE AS line
    LEFT OUTER JOIN {{ database }}.SILVER.DIM_PRODUCT AS product
        ON line.PRODUCT_ID = product.PRODUCT_ID
    WHERE line.RUN_ID = :run_id AND line.PRODUCT_ID IS NOT NULL AND product.PRODUCT_ID IS NULL
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'UNKNOWN_PAYMENT_METHOD' AS RULE_ID,
        'payment_method ' || LEFT(work.PAYMENT_METHOD, 64) AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    LEFT OUTER JOIN {{ database }}.SILVER.DIM_PAYMENT_METHOD AS payment
        ON work.PAYMENT_METHOD = payment.PAYMENT_METHOD
    WHERE work.RUN_ID = :run_id AND work.PAYMENT_METHOD IS NOT NULL AND payment.PAYMENT_METHOD IS NULL
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'CURRENCY_MISMATCH' AS RULE_ID,
        'currency ' || LEFT(work.CURRENCY, 16) || ' <> store currency ' || store.CURRENCY AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    INNER JOIN {{ database }}.SILVER.DIM_STORE AS store
        ON work.STORE_ID = store.STORE_ID
    WHERE work.RUN_ID = :run_id AND work.CURRENCY IS NOT NULL AND work.CURRENCY <> store.CURRENCY;

    -- Routing. Per transaction id, the accepted content is the one already in Silver, else the
    -- first (arrival order) clean record of this run. Identical copies of accepted content are
    -- DUPLICATE (no-op); different content is REJECTED with TRANSACTION_ID_CONFLICT; a rejected
    -- record whose content was already rejected (earlier run or earlier in this run) is DUPLICATE.
    INSERT INTO {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION (
        RUN_ID, RECORD_SEQ, TRANSACTION_ID, OUTCOME, ACCEPTED_HASH, IS_CONFLICT
    )
    SELECT
        :run_id AS RUN_ID,
        preliminary.RECORD_SEQ,
        preliminary.TRANSACTION_ID,
        IFF(
            preliminary.PRELIMINARY_OUTCOME = 'REJECTED'
            AND (
                preliminary.ALREADY_REJECTED
                OR ROW_NUMBER() OVER (
                    PARTITION BY preliminary.RECORD_HASH, preliminary.PRELIMINARY_OUTCOME
                    ORDER BY preliminary.RECORD_SEQ
                ) > 1
            ),
            'DUPLICATE',
            preliminary.PRELIMINARY_OUTCOME
        ) AS OUTCOME,
        preliminary.ACCEPTED_HASH,
        (
            preliminary.PRELIMINARY_OUTCOME = 'REJECTED'
            AND preliminary.TRANSACTION_ID IS NOT NULL
            AND preliminary.ACCEPTED_HASH IS NOT NULL
            AND preliminary.RECORD_HASH <> preliminary.ACCEPTED_HASH
        ) AS IS_CONFLICT
    FROM (
        SELECT
            winners.RECORD_SEQ,
            winners.RECORD_HASH,
            winners.TRANSACTION_ID,
            winners.ALREADY_REJECTED,
            COALESCE(
                winners.SILVER_HASH,
                MAX(IFF(winners.IS_WINNER, winners.RECORD_HASH, NULL)) OVER (PARTITION BY winners.TRANSACTION_ID)
            ) AS ACCEPTED_HASH,
            CASE
                WHEN winners.RECORD_HASH = winners.SILVER_HASH THEN 'DUPLICATE'
                WHEN winners.IS_WINNER THEN 'ACCEPTED'
                WHEN
                    winners.FAILURE_COUNT = 0
                    AND winners.RECORD_HASH = MAX(IFF(winners.IS_WINNER, winners.RECORD_HASH, NULL)) OVER (
                        PARTITION BY winners.TRANSACTION_ID
                    )
                    THEN 'DUPLICATE'
                ELSE 'REJECTED'
            END AS PRELIMINARY_OUTCOME
        FROM (
            SELECT
                candidate.RECORD_SEQ,
                candidate.RECORD_HASH,
                candidate.TRANSACTION_ID,
                candidate.FAILURE_COUNT,
                candidate.SILVER_HASH,
                candidate.ALREADY_REJECTED,
                (
                    candidate.IS_ELIGIBLE
                    AND ROW_NUMBER() OVER (
                        PARTITION BY candidate.TRANSACTION_ID, candidate.IS_ELIGIBLE
                        ORDER BY candidate.RECORD_SEQ
                    ) = 1
                ) AS IS_WINNER
            FROM (
                SELECT
                    work.RECORD_SEQ,
                    work.RECORD_HASH,
                    work.TRANSACTION_ID,
                    COALESCE(failure.FAILURE_COUNT, 0) AS FAILURE_COUNT,
                    silver.SILVER_HASH,
                    rejected.RECORD_HASH IS NOT NULL AS ALREADY_REJECTED,
                    COALESCE(failure.FAILURE_COUNT, 0) = 0 AND silver.SILVER_HASH IS NULL AS IS_ELIGIBLE
                FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
                LEFT OUTER JOIN (
                    SELECT
                        RECORD_SEQ,
                        COUNT(*) AS FAILURE_COUNT
                    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_FAILURE
                    WHERE RUN_ID = :run_id
                    GROUP BY RECORD_SEQ
                ) AS failure
                    ON work.RECORD_SEQ = failure.RECORD_SEQ
                LEFT OUTER JOIN (
                    SELECT
                        TRANSACTION_ID,
                        MIN(CONTENT_HASH) AS SILVER_HASH
                    FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED
                    WHERE TRANSACTION_ID IN (
                        SELECT TRANSACTION_ID FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD
                        WHERE RUN_ID = :run_id
                    )
                    GROUP BY TRANSACTION_ID
                ) AS silver
                    ON work.TRANSACTION_ID = silver.TRANSACTION_ID
                LEFT OUTER JOIN (
                    SELECT DISTINCT RECORD_HASH
                    FROM {{ database }}.SILVER.RETAIL_POS_REJECTED
                    WHERE RECORD_HASH IN (
                        SELECT RECORD_HASH FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD
                        WHERE RUN_ID = :run_id
                    )
                ) AS rejected
                    ON work.RECORD_HASH = rejected.RECORD_HASH
                WHERE work.RUN_ID = :run_id
            ) AS candidate
        ) AS winners
    ) AS preliminary;

    INSERT INTO {{ database }}.SILVER.PROCESS_RAW_POS_WORK_FAILURE (RUN_ID, RECORD_SEQ, RULE_ID, DETAIL)
    SELECT
        decision.RUN_ID,
        decision.RECORD_SEQ,
        'TRANSACTION_ID_CONFLICT' AS RULE_ID,
        'transaction_id ' || LEFT(decision.TRANSACTION_ID, 64) || ' already accepted with content hash '
        || decision.ACCEPTED_HASH AS DETAIL
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION AS decision
    WHERE decision.RUN_ID = :run_id AND decision.OUTCOME = 'REJECTED' AND decision.IS_CONFLICT;

    MERGE INTO {{ database }}.SILVER.RETAIL_POS_PROCESSED AS tgt
    USING (
        SELECT
            work.TRANSACTION_ID,
            line.LINE_NUMBER,
            ARRAY_SIZE(work.ITEMS) AS LINE_COUNT,
            work.STORE_ID,
            work.CITY,
            work.REGISTER_ID,
            work.CASHIER_ID,
            store.CURRENCY,
            work.EVENT_TS,
            work.EVENT_TS_UTC,
            CONVERT_TIMEZONE('UTC', store.TIME_ZONE, work.EVENT_TS_UTC)::DATE AS BUSINESS_DATE,
            line.PRODUCT_ID,
            line.UNIT_PRICE,
            line.QUANTITY_VALUE::NUMBER(12, 0) AS QUANTITY,
            line.CANCELED,
            (line.UNIT_PRICE * line.QUANTITY_VALUE)::NUMBER(12, 2) AS LINE_AMOUNT,
            work.PAYMENT_METHOD,
            work.TOTAL_AMOUNT,
            IFF(work.HAS_REFUND, work.REFUND_AMOUNT, 0) AS REFUND_AMOUNT,
            IFF(work.HAS_REFUND, work.REFUND_METHOD, NULL) AS REFUND_METHOD,
            IFF(work.HAS_REFUND, work.REFUND_TS, NULL) AS REFUND_TS,
            work.SCHEMA_VERSION,
            work.RECORD_HASH AS CONTENT_HASH,
            work.KINESIS_SHARD_ID,
            work.KINESIS_SEQUENCE_NUMBER,
            work.KINESIS_ARRIVAL_AT,
            work.INGESTED_AT,
            CURRENT_TIMESTAMP() AS PROCESSED_AT,
            work.RUN_ID
        FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
        INNER JOIN {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION AS decision
            ON work.RUN_ID = decision.RUN_ID AND work.RECORD_SEQ = decision.RECORD_SEQ
        INNER JOIN {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE AS line
            ON work.RUN_ID = line.RUN_ID AND work.RECORD_SEQ = line.RECORD_SEQ
        INNER JOIN {{ database }}.SILVER.DIM_STORE AS store
            ON work.STORE_ID = store.STORE_ID
        WHERE work.RUN_ID = :run_id AND decision.OUTCOME = 'ACCEPTED'
        QUALIFY ROW_NUMBER() OVER (PARTITION BY work.TRANSACTION_ID, line.LINE_NUMBER ORDER BY work.RECORD_SEQ) = 1
    ) AS src
        ON tgt.TRANSACTION_ID = src.TRANSACTION_ID AND tgt.LINE_NUMBER = src.LINE_NUMBER
    WHEN NOT MATCHED THEN INSERT (
        TRANSACTION_ID, LINE_NUMBER, LINE_COUNT, STORE_ID, CITY, REGISTER_ID, CASHIER_ID, CURRENCY, EVENT_TS,
        EVENT_TS_UTC, BUSINESS_DATE, PRODUCT_ID, UNIT_PRICE, QUANTITY, CANCELED, LINE_AMOUNT, PAYMENT_METHOD,
        TOTAL_AMOUNT, REFUND_AMOUNT, REFUND_METHOD, REFUND_TS, SCHEMA_VERSION, CONTENT_HASH, KINESIS_SHARD_ID,
        KINESIS_SEQUENCE_NUMBER, KINESIS_ARRIVAL_AT, INGESTED_AT, PROCESSED_AT, RUN_ID
    ) VALUES (
        src.TRANSACTION_ID, src.LINE_NUMBER, src.LINE_COUNT, src.STORE_ID, src.CITY, src.REGISTER_ID,
        src.CASHIER_ID, src.CURRENCY, src.EVENT_TS, src.EVENT_TS_UTC, src.BUSINESS_DATE, src.PRODUCT_ID,
        src.UNIT_PRICE, src.QUANTITY, src.CANCELED, src.LINE_AMOUNT, src.PAYMENT_METHOD, src.TOTAL_AMOUNT,
        src.REFUND_AMOUNT, src.REFUND_METHOD, src.REFUND_TS, src.SCHEMA_VERSION, src.CONTENT_HASH,
        src.KINESIS_SHARD_ID, src.KINESIS_SEQUENCE_NUMBER, src.KINESIS_ARRIVAL_AT, src.INGESTED_AT,
        src.PROCESSED_AT, src.RUN_ID
    );

    INSERT INTO {{ database }}.SILVER.RETAIL_POS_REJECTED (
        RECORD_HASH, RECORD_CONTENT, RECORD_METADATA, TRANSACTION_ID, STORE_ID, FAILED_RULES, FAILED_RULE_COUNT,
        STAGE, KINESIS_SHARD_ID, KINESIS_SEQUENCE_NUMBER, REJECTED_AT, RUN_ID
    )
    SELECT
        work.RECORD_HASH,
        work.RECORD_CONTENT,
        work.RECORD_METADATA,
        work.TRANSACTION_ID,
        work.STORE_ID,
        failure.FAILED_RULES,
        failure.FAILED_RULE_COUNT,
        'SILVER.PROCESS_RAW_POS' AS STAGE,
        work.KINESIS_SHARD_ID,
        work.KINESIS_SEQUENCE_NUMBER,
        CURRENT_TIMESTAMP() AS REJECTED_AT,
        work.RUN_ID
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
    INNER JOIN {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION AS decision
        ON work.RUN_ID = decision.RUN_ID AND work.RECORD_SEQ = decision.RECORD_SEQ
    INNER JOIN (
        SELECT
            RECORD_SEQ,
            ARRAY_AGG(OBJECT_CONSTRUCT('rule_id', RULE_ID, 'detail', DETAIL))
                WITHIN GROUP (ORDER BY RULE_ID, DETAIL) AS FAILED_RULES,
            COUNT(*) AS FAILED_RULE_COUNT
        FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_FAILURE
        WHERE RUN_ID = :run_id
        GROUP BY RECORD_SEQ
    ) AS failure
        ON work.RECORD_SEQ = failure.RECORD_SEQ
    WHERE work.RUN_ID = :run_id AND decision.OUTCOME = 'REJECTED';

    rows_read := (
        SELECT COUNT(*) FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD
        WHERE RUN_ID = :run_id
    );
    rows_accepted := (
        SELECT COUNT(*) FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION
        WHERE RUN_ID = :run_id AND OUTCOME = 'ACCEPTED'
    );
    rows_rejected := (
        SELECT COUNT(*) FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION
        WHERE RUN_ID = :run_id AND OUTCOME = 'REJECTED'
    );
    rows_duplicate := (
        SELECT COUNT(*) FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION
        WHERE RUN_ID = :run_id AND OUTCOME = 'DUPLICATE'
    );
    rows_written := (
        SELECT COUNT(*) FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED
        WHERE RUN_ID = :run_id
    );

    INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
        RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ROWS_READ, ROWS_ACCEPTED,
        ROWS_REJECTED, ROWS_DUPLICATE, ROWS_WRITTEN, ERROR_MESSAGE, ERROR_SQLSTATE
    )
    SELECT
        :run_id,
        'SILVER.PROCESS_RAW_POS',
        :started_at,
        CURRENT_TIMESTAMP(),
        DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
        'SUCCEEDED',
        :rows_read,
        :rows_accepted,
        :rows_rejected,
        :rows_duplicate,
        :rows_written,
        NULL,
        NULL;

    DELETE FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE WHERE RUN_ID = :run_id;
    DELETE FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_FAILURE WHERE RUN_ID = :run_id;
    DELETE FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION WHERE RUN_ID = :run_id;
    DELETE FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD WHERE RUN_ID = :run_id;

    COMMIT;
    RETURN OBJECT_CONSTRUCT(
        'run_id', run_id,
        'rows_read', rows_read,
        'rows_accepted', rows_accepted,
        'rows_rejected', rows_rejected,
        'rows_duplicate', rows_duplicate,
        'rows_written', rows_written
    );
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
            'SILVER.PROCESS_RAW_POS',
            :started_at,
            CURRENT_TIMESTAMP(),
            DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
            'FAILED',
            LEFT(:error_message, 4000),
            :error_sqlstate;
        RAISE;
END;
$$;

GRANT OWNERSHIP ON PROCEDURE {{ database }}.SILVER.PROCESS_RAW_POS() TO ROLE {{ transform_role }} COPY CURRENT GRANTS;

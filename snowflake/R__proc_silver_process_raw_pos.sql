-- Bronze -> Silver. Two transactions per run:
-- 1. ENQUEUE (short): move the Bronze stream's pos.v1 records into SILVER.PROCESS_RAW_POS_QUEUE with
--    each record's identity and arrival order (a DML consumes a stream whole, so this is where the
--    delta is cut into bounded pieces). The first run after the upgrade also fills the transaction
--    key table from Silver, once.
-- 2. PROCESS (bounded): take at most process_raw_pos_max_records queued records, oldest first;
--    apply every data-quality rule; route each record (ACCEPTED / REJECTED / DUPLICATE); add the
--    accepted transactions' keys and line items, insert rejections, log the run, delete the
--    processed records from the queue, clear the work rows, COMMIT. If records remain queued, a
--    row in PROCESS_RAW_POS_CONTINUATION makes the task run again.
-- A failure in either transaction rolls that transaction back (the stream or the queue still
-- holds the records), logs a FAILED run, signals a continuation when records wait in the queue, and
-- re-raises so the task fails. Rules, dedupe, replay semantics and the cost model:
-- docs/snowflake.md.
CREATE OR REPLACE PROCEDURE {{ database }}.SILVER.PROCESS_RAW_POS()
RETURNS VARIANT
LANGUAGE SQL
COMMENT = 'Parse, validate, dedupe and route new Bronze records into Silver, in bounded runs'
EXECUTE AS OWNER
AS
$$
DECLARE
    run_id VARCHAR DEFAULT UUID_STRING();
    started_at TIMESTAMP_TZ DEFAULT CURRENT_TIMESTAMP();
    max_records NUMBER DEFAULT {{ process_raw_pos_max_records }};
    queue_tail NUMBER DEFAULT 0;
    chunk_end NUMBER DEFAULT 0;
    source_rows_seen NUMBER DEFAULT NULL;
    rows_enqueued NUMBER DEFAULT NULL;
    enqueue_committed BOOLEAN DEFAULT FALSE;
    rows_read NUMBER DEFAULT 0;
    rows_accepted NUMBER DEFAULT 0;
    rows_rejected NUMBER DEFAULT 0;
    rows_duplicate NUMBER DEFAULT 0;
    rows_written NUMBER DEFAULT 0;
    rows_queued NUMBER DEFAULT 0;
    error_message VARCHAR DEFAULT '';
    error_sqlstate VARCHAR DEFAULT '';
    keys_disagree EXCEPTION (-20001, 'PROCESS_RAW_POS: the transaction keys inserted differ from the transactions accepted; rolled back');
BEGIN
    -- 1. ENQUEUE ------------------------------------------------------------------------------
    BEGIN TRANSACTION;

    -- Bronze rows as of this transaction, for OPS.STREAM_BACKLOG (COUNT(*) of a table is metadata).
    source_rows_seen := (SELECT COUNT(*) FROM {{ database }}.BRONZE.JSON_RAW_DATA);
    queue_tail := (SELECT COALESCE(MAX(QUEUE_SEQ), 0) FROM {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE);

    -- The only statement that reads the Bronze stream: it consumes all of it at COMMIT.
    INSERT INTO {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE (
        QUEUE_SEQ, RECORD_CONTENT, RECORD_METADATA, RECORD_HASH, LEGACY_HASH, KINESIS_SHARD_ID,
        KINESIS_SEQUENCE_NUMBER, KINESIS_ARRIVAL_AT, ENQUEUED_AT, RUN_ID, REDRIVE_ID
    )
    SELECT
        :queue_tail + ROW_NUMBER() OVER (
            ORDER BY
                delta.KINESIS_ARRIVAL_AT,
                delta.KINESIS_SHARD_ID,
                LPAD(delta.KINESIS_SEQUENCE_NUMBER, 64, '0'),
                COALESCE(delta.SENT_HASH, delta.LEGACY_HASH)
        ) AS QUEUE_SEQ,
        delta.RECORD_CONTENT,
        delta.RECORD_METADATA,
        COALESCE(delta.SENT_HASH, delta.LEGACY_HASH) AS RECORD_HASH,
        delta.LEGACY_HASH,
        delta.KINESIS_SHARD_ID,
        delta.KINESIS_SEQUENCE_NUMBER,
        delta.KINESIS_ARRIVAL_AT,
        CURRENT_TIMESTAMP() AS ENQUEUED_AT,
        :run_id AS RUN_ID,
        delta.REDRIVE_ID
    FROM (
        SELECT
            bronze.RECORD_CONTENT,
            bronze.RECORD_METADATA,
            bronze.REDRIVE_ID,
            -- The content identity the transform computed from the original bytes
            -- (meta.content_sha256, docs/contracts.md), when it is a SHA-256 hex digest.
            IFF(
                REGEXP_LIKE(bronze.RECORD_CONTENT:meta:content_sha256::STRING, '^[0-9a-f]{64}$'),
                bronze.RECORD_CONTENT:meta:content_sha256::STRING,
                NULL
            ) AS SENT_HASH,
            -- The identity used before content_sha256 existed, unchanged, so that records accepted
            -- or rejected under it are still recognised: the payload (or the raw text), never the
            -- delivery tags. (IS NOT NULL, not IS_NULL_VALUE, on purpose: the old formula.)
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
            ) AS LEGACY_HASH,
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
            ) AS KINESIS_ARRIVAL_AT
        FROM (
            -- Sales only: the other kinds have their own streams and procedures, and records of no
            -- known kind go to SILVER.UNCLASSIFIED_REJECTED (PROCESS_RAW_UNCLASSIFIED). An envelope
            -- without meta.schema predates the kinds and is a sale. The statement still consumes
            -- the stream's whole delta at COMMIT.
            SELECT
                RECORD_CONTENT,
                RECORD_METADATA,
                NULL AS REDRIVE_ID
            FROM {{ database }}.BRONZE.JSON_RAW_DATA_STREAM
            WHERE COALESCE(RECORD_CONTENT:meta:schema::STRING, 'pos.v1') = 'pos.v1'
            UNION ALL
            -- Records sent back from the dead letter (SILVER.REDRIVE_REJECTED) take the same path.
            SELECT
                RECORD_CONTENT,
                RECORD_METADATA,
                REDRIVE_ID
            FROM {{ database }}.SILVER.RETAIL_POS_REDRIVE_STREAM
        ) AS bronze
    ) AS delta;
    rows_enqueued := SQLROWCOUNT;

    -- First run after the upgrade that added the key table: copy the keys of every transaction
    -- Silver already holds (once; COUNT(*) of a table is metadata). It runs after the statement
    -- above took the Bronze stream's lock, so a run of the previous procedure version has
    -- committed and its transactions are in Silver.
    IF (
        (SELECT COUNT(*) FROM {{ database }}.SILVER.RETAIL_POS_TRANSACTION_KEY) = 0
        AND (SELECT COUNT(*) FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED) > 0
    ) THEN
        INSERT INTO {{ database }}.SILVER.RETAIL_POS_TRANSACTION_KEY (
            TRANSACTION_ID, CONTENT_HASH, BUSINESS_DATE, STORE_ID, ACCEPTED_AT, RUN_ID
        )
        SELECT
            line.TRANSACTION_ID,
            line.CONTENT_HASH,
            line.BUSINESS_DATE,
            line.STORE_ID,
            line.PROCESSED_AT,
            line.RUN_ID
        FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED AS line
        WHERE line.LINE_NUMBER = 1;
    END IF;

    COMMIT;
    enqueue_committed := TRUE;

    -- 2. PROCESS ------------------------------------------------------------------------------
    BEGIN TRANSACTION;

    -- This run answers every continuation signal so far (consumed at COMMIT): the documented way
    -- to move a stream's offset without using its rows (INSERT ... SELECT ... WHERE 0 = 1).
    INSERT INTO {{ database }}.SILVER.PROCESS_RAW_POS_CONTINUATION (RUN_ID, QUEUED_RECORDS, CREATED_AT)
    SELECT
        pending.RUN_ID,
        pending.QUEUED_RECORDS,
        pending.CREATED_AT
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_CONTINUATION_STREAM AS pending
    WHERE 0 = 1;

    -- The oldest max_records queued records (QUEUE_SEQ has no gaps: records leave the queue in
    -- order, each run from its lowest QUEUE_SEQ).
    chunk_end := (SELECT MIN(QUEUE_SEQ) FROM {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE) + :max_records - 1;

    INSERT INTO {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD (
        RUN_ID, RECORD_SEQ, RECORD_CONTENT, RECORD_METADATA, RECORD_HASH, LEGACY_HASH, TRANSFORM_STATUS,
        TRANSFORM_ERRORS, PAYLOAD, ITEMS_PRESENT, ITEMS, TRANSACTION_ID, STORE_ID, CITY, REGISTER_ID,
        CASHIER_ID, CURRENCY, SCHEMA_VERSION, EVENT_TS_TEXT, EVENT_TS, EVENT_TS_HAS_OFFSET, EVENT_TS_UTC,
        TOTAL_AMOUNT_TEXT, TOTAL_AMOUNT, PAYMENT_METHOD, HAS_REFUND, REFUND_AMOUNT_TEXT, REFUND_AMOUNT,
        REFUND_METHOD, REFUND_TS_TEXT, REFUND_TS, KINESIS_SHARD_ID, KINESIS_SEQUENCE_NUMBER,
        KINESIS_ARRIVAL_AT, INGESTED_AT
    )
    SELECT
        :run_id AS RUN_ID,
        parsed.QUEUE_SEQ AS RECORD_SEQ,
        parsed.RECORD_CONTENT,
        parsed.RECORD_METADATA,
        parsed.RECORD_HASH,
        parsed.LEGACY_HASH,
        parsed.TRANSFORM_STATUS,
        parsed.TRANSFORM_ERRORS,
        parsed.PAYLOAD,
        parsed.ITEMS_PRESENT,
        IFF(IS_ARRAY(parsed.PAYLOAD:items), parsed.PAYLOAD:items, NULL) AS ITEMS,
        parsed.TRANSACTION_ID,
        parsed.STORE_ID,
        parsed.CITY,
        parsed.REGISTER_ID,
        parsed.CASHIER_ID,
        parsed.CURRENCY,
        parsed.SCHEMA_VERSION,
        parsed.EVENT_TS_TEXT,
        COALESCE(
            parsed.EVENT_TS_WITH_OFFSET,
            TRY_TO_TIMESTAMP_TZ(parsed.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SS.FF'),
            TRY_TO_TIMESTAMP_TZ(parsed.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SS'),
            TRY_TO_TIMESTAMP_TZ(parsed.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MI')
        ) AS EVENT_TS,
        parsed.EVENT_TS_WITH_OFFSET IS NOT NULL AS EVENT_TS_HAS_OFFSET,
        CONVERT_TIMEZONE('UTC', parsed.EVENT_TS_WITH_OFFSET)::TIMESTAMP_NTZ AS EVENT_TS_UTC,
        parsed.TOTAL_AMOUNT_TEXT,
        TRY_TO_DECIMAL(parsed.TOTAL_AMOUNT_TEXT, 12, 2) AS TOTAL_AMOUNT,
        parsed.PAYMENT_METHOD,
        parsed.HAS_REFUND,
        parsed.REFUND_AMOUNT_TEXT,
        TRY_TO_DECIMAL(parsed.REFUND_AMOUNT_TEXT, 12, 2) AS REFUND_AMOUNT,
        parsed.REFUND_METHOD,
        parsed.REFUND_TS_TEXT,
        parsed.REFUND_TS,
        parsed.KINESIS_SHARD_ID,
        parsed.KINESIS_SEQUENCE_NUMBER,
        parsed.KINESIS_ARRIVAL_AT,
        parsed.INGESTED_AT
    FROM (
        SELECT
            extracted.*,
            -- Timestamps are parsed with explicit formats, never AUTO detection (whose documented
            -- formats have no trailing Z). Accepted: YYYY-MM-DD, T or a space, HH24:MI with
            -- optional :SS and fraction, then Z, +hh:mm or +hhmm (or -). Z is the +00:00 offset.
            COALESCE(
                TRY_TO_TIMESTAMP_TZ(extracted.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SS.FFTZH:TZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MITZH:TZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SS.FFTZHTZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SSTZHTZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MITZHTZM')
            ) AS EVENT_TS_WITH_OFFSET,
            COALESCE(
                TRY_TO_TIMESTAMP_TZ(extracted.REFUND_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SS.FFTZH:TZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.REFUND_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.REFUND_TS_ISO, 'YYYY-MM-DD"T"HH24:MITZH:TZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.REFUND_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SS.FFTZHTZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.REFUND_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SSTZHTZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.REFUND_TS_ISO, 'YYYY-MM-DD"T"HH24:MITZHTZM')
            ) AS REFUND_TS,
            -- meta.received_at is the transform's own format (YYYY-MM-DDTHH:MI:SS.fffZ).
            CONVERT_TIMEZONE(
                'UTC',
                TRY_TO_TIMESTAMP_TZ(
                    REGEXP_REPLACE(extracted.RECEIVED_AT_TEXT, 'Z$', '+00:00'), 'YYYY-MM-DD"T"HH24:MI:SS.FFTZH:TZM'
                )
            )::TIMESTAMP_NTZ AS INGESTED_AT
        FROM (
            SELECT
                queued.QUEUE_SEQ,
                queued.RECORD_CONTENT,
                queued.RECORD_METADATA,
                queued.RECORD_HASH,
                queued.LEGACY_HASH,
                queued.KINESIS_SHARD_ID,
                queued.KINESIS_SEQUENCE_NUMBER,
                queued.KINESIS_ARRIVAL_AT,
                queued.RECORD_CONTENT:meta:status::STRING AS TRANSFORM_STATUS,
                queued.RECORD_CONTENT:meta:errors AS TRANSFORM_ERRORS,
                -- A JSON null payload is no payload (::STRING would hide the difference elsewhere).
                IFF(
                    COALESCE(IS_NULL_VALUE(queued.RECORD_CONTENT:payload), TRUE), NULL, queued.RECORD_CONTENT:payload
                ) AS PAYLOAD,
                COALESCE(NOT IS_NULL_VALUE(queued.RECORD_CONTENT:payload:items), FALSE) AS ITEMS_PRESENT,
                NULLIF(TRIM(queued.RECORD_CONTENT:payload:transaction_id::STRING), '') AS TRANSACTION_ID,
                NULLIF(TRIM(queued.RECORD_CONTENT:payload:store_id::STRING), '') AS STORE_ID,
                queued.RECORD_CONTENT:payload:city::STRING AS CITY,
                queued.RECORD_CONTENT:payload:register_id::STRING AS REGISTER_ID,
                queued.RECORD_CONTENT:payload:cashier_id::STRING AS CASHIER_ID,
                NULLIF(TRIM(queued.RECORD_CONTENT:payload:currency::STRING), '') AS CURRENCY,
                queued.RECORD_CONTENT:payload:schema_version::STRING AS SCHEMA_VERSION,
                NULLIF(TRIM(queued.RECORD_CONTENT:payload:timestamp::STRING), '') AS EVENT_TS_TEXT,
                REGEXP_REPLACE(
                    REPLACE(NULLIF(TRIM(queued.RECORD_CONTENT:payload:timestamp::STRING), ''), ' ', 'T'), 'Z$', '+00:00'
                ) AS EVENT_TS_ISO,
                NULLIF(TRIM(queued.RECORD_CONTENT:payload:total_amount::STRING), '') AS TOTAL_AMOUNT_TEXT,
                NULLIF(TRIM(queued.RECORD_CONTENT:payload:payment_method::STRING), '') AS PAYMENT_METHOD,
                COALESCE(NOT IS_NULL_VALUE(queued.RECORD_CONTENT:payload:refund), FALSE) AS HAS_REFUND,
                NULLIF(TRIM(queued.RECORD_CONTENT:payload:refund:refund_amount::STRING), '') AS REFUND_AMOUNT_TEXT,
                queued.RECORD_CONTENT:payload:refund:refund_method::STRING AS REFUND_METHOD,
                NULLIF(TRIM(queued.RECORD_CONTENT:payload:refund:timestamp::STRING), '') AS REFUND_TS_TEXT,
                REGEXP_REPLACE(
                    REPLACE(NULLIF(TRIM(queued.RECORD_CONTENT:payload:refund:timestamp::STRING), ''), ' ', 'T'),
                    'Z$',
                    '+00:00'
                ) AS REFUND_TS_ISO,
                queued.RECORD_CONTENT:meta:received_at::STRING AS RECEIVED_AT_TEXT
            FROM {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE AS queued
            WHERE queued.QUEUE_SEQ <= :chunk_end
        ) AS extracted
    ) AS parsed;
    rows_read := SQLROWCOUNT;

    -- Items of every record whose items is an array, typed with TRY_ casts (NULL = unparsable).
    -- canceled: absent means not canceled; a JSON null is not a boolean (IS_NULL_VALUE tells them
    -- apart, ::STRING would not).
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
        CASE
            WHEN item.VALUE:canceled IS NULL THEN FALSE
            WHEN IS_NULL_VALUE(item.VALUE:canceled) THEN NULL
            ELSE TRY_TO_BOOLEAN(item.VALUE:canceled::STRING)
        END AS CANCELED
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
        ('refund.timestamp', 'not an ISO-8601 timestamp with a UTC offset')
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
    WHERE work.RUN_ID = :run_id AND work.CURRENCY IS NOT NULL AND work.CURRENCY <> store.CURRENCY
    UNION ALL
    -- An amount with more decimals than its currency's minor unit, or than Silver's NUMBER(12,2)
    -- holds, is rejected: TRY_TO_DECIMAL(text, 12, 2) would round it (TO_DECIMAL: "reducing the
    -- number of fractional digits by rounding"). Read exactly at 24 decimals, truncated to the
    -- allowed decimals, it changes. Amounts that do not fit NUMBER(12,2) are INVALID_TYPE instead.
    SELECT
        amount.RUN_ID,
        amount.RECORD_SEQ,
        'AMOUNT_SCALE_NOT_ALLOWED' AS RULE_ID,
        amount.FIELD_NAME || ' = ' || LEFT(amount.AMOUNT_TEXT, 64) || ': more than '
        || TO_VARCHAR(LEAST(COALESCE(currency.MINOR_UNIT, 2), 2)) || ' decimals ('
        || COALESCE(
            currency.CURRENCY_CODE || ' minor unit ' || TO_VARCHAR(currency.MINOR_UNIT),
            'currency unknown'
        )
        || IFF(COALESCE(currency.MINOR_UNIT, 2) > 2, '; Silver money columns hold 2', '') || ')' AS DETAIL
    FROM (
        SELECT
            work.RUN_ID,
            work.RECORD_SEQ,
            'total_amount' AS FIELD_NAME,
            work.TOTAL_AMOUNT_TEXT AS AMOUNT_TEXT
        FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
        WHERE work.RUN_ID = :run_id AND work.TOTAL_AMOUNT IS NOT NULL
        UNION ALL
        SELECT
            work.RUN_ID,
            work.RECORD_SEQ,
            'refund.refund_amount' AS FIELD_NAME,
            work.REFUND_AMOUNT_TEXT AS AMOUNT_TEXT
        FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
        WHERE work.RUN_ID = :run_id AND work.HAS_REFUND AND work.REFUND_AMOUNT IS NOT NULL
        UNION ALL
        SELECT
            line.RUN_ID,
            line.RECORD_SEQ,
            'items.' || TO_VARCHAR(line.LINE_NUMBER - 1) || '.price' AS FIELD_NAME,
            line.PRICE_TEXT AS AMOUNT_TEXT
        FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE AS line
        WHERE line.RUN_ID = :run_id AND line.UNIT_PRICE IS NOT NULL
    ) AS amount
    INNER JOIN {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
        ON amount.RUN_ID = work.RUN_ID AND amount.RECORD_SEQ = work.RECORD_SEQ
    LEFT OUTER JOIN {{ database }}.SILVER.DIM_STORE AS store
        ON work.STORE_ID = store.STORE_ID
    LEFT OUTER JOIN {{ database }}.SILVER.DIM_CURRENCY AS currency
        ON COALESCE(store.CURRENCY, work.CURRENCY) = currency.CURRENCY_CODE
    WHERE
        TRY_TO_DECIMAL(amount.AMOUNT_TEXT, 38, 24) <> TRUNC(
            TRY_TO_DECIMAL(amount.AMOUNT_TEXT, 38, 24), LEAST(COALESCE(currency.MINOR_UNIT, 2), 2)
        );

    -- Routing. Per transaction id, the accepted content is the one already accepted (looked up in
    -- the key table), else the first (arrival order) clean record of this run. Identical copies of
    -- accepted content are DUPLICATE (no-op); different content is REJECTED with
    -- TRANSACTION_ID_CONFLICT; a rejected record whose content was already rejected (earlier run
    -- or earlier in this run) is DUPLICATE. Two records have the same content when their
    -- content_sha256 (RECORD_HASH) or their legacy hash (SHA-256 of TO_JSON(payload), the
    -- identity before content_sha256) are equal; a stored hash of either kind matches either.
    -- The two lookups are equality joins with this run's keys on the small side: search
    -- optimization serves them (R__silver_search_optimization.sql).
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
            AND NOT preliminary.SAME_AS_ACCEPTED
        ) AS IS_CONFLICT
    FROM (
        SELECT
            winners.RECORD_SEQ,
            winners.RECORD_HASH,
            winners.TRANSACTION_ID,
            winners.ALREADY_REJECTED,
            COALESCE(winners.SILVER_HASH, winners.WINNER_HASH) AS ACCEPTED_HASH,
            COALESCE(
                winners.SILVER_HASH IN (winners.RECORD_HASH, winners.LEGACY_HASH),
                winners.RECORD_HASH = winners.WINNER_HASH OR winners.LEGACY_HASH = winners.WINNER_LEGACY_HASH,
                FALSE
            ) AS SAME_AS_ACCEPTED,
            CASE
                WHEN winners.SILVER_HASH IN (winners.RECORD_HASH, winners.LEGACY_HASH) THEN 'DUPLICATE'
                WHEN winners.IS_WINNER THEN 'ACCEPTED'
                WHEN
                    winners.FAILURE_COUNT = 0
                    AND (
                        winners.RECORD_HASH = winners.WINNER_HASH
                        OR winners.LEGACY_HASH = winners.WINNER_LEGACY_HASH
                    )
                    THEN 'DUPLICATE'
                ELSE 'REJECTED'
            END AS PRELIMINARY_OUTCOME
        FROM (
            SELECT
                ranked.*,
                MAX(IFF(ranked.IS_WINNER, ranked.RECORD_HASH, NULL)) OVER (
                    PARTITION BY ranked.TRANSACTION_ID
                ) AS WINNER_HASH,
                MAX(IFF(ranked.IS_WINNER, ranked.LEGACY_HASH, NULL)) OVER (
                    PARTITION BY ranked.TRANSACTION_ID
                ) AS WINNER_LEGACY_HASH
            FROM (
                SELECT
                    candidate.RECORD_SEQ,
                    candidate.RECORD_HASH,
                    candidate.LEGACY_HASH,
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
                        work.LEGACY_HASH,
                        work.TRANSACTION_ID,
                        COALESCE(failure.FAILURE_COUNT, 0) AS FAILURE_COUNT,
                        accepted.CONTENT_HASH AS SILVER_HASH,
                        rejected.RECORD_HASH IS NOT NULL AS ALREADY_REJECTED,
                        COALESCE(failure.FAILURE_COUNT, 0) = 0 AND accepted.CONTENT_HASH IS NULL AS IS_ELIGIBLE
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
                            keyed.TRANSACTION_ID,
                            keyed.CONTENT_HASH
                        FROM {{ database }}.SILVER.RETAIL_POS_TRANSACTION_KEY AS keyed
                        INNER JOIN (
                            SELECT DISTINCT TRANSACTION_ID
                            FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD
                            WHERE RUN_ID = :run_id AND TRANSACTION_ID IS NOT NULL
                        ) AS batch
                            ON keyed.TRANSACTION_ID = batch.TRANSACTION_ID
                    ) AS accepted
                        ON work.TRANSACTION_ID = accepted.TRANSACTION_ID
                    LEFT OUTER JOIN (
                        SELECT DISTINCT dead.RECORD_HASH
                        FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS dead
                        INNER JOIN (
                            SELECT RECORD_HASH AS HASH
                            FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD
                            WHERE RUN_ID = :run_id
                            UNION
                            SELECT LEGACY_HASH AS HASH
                            FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD
                            WHERE RUN_ID = :run_id
                        ) AS batch
                            ON dead.RECORD_HASH = batch.HASH
                    ) AS rejected
                        ON rejected.RECORD_HASH IN (work.RECORD_HASH, work.LEGACY_HASH)
                    WHERE work.RUN_ID = :run_id
                ) AS candidate
            ) AS ranked
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

    -- The business key: one row per accepted transaction id (insert-only MERGE). Exactly one
    -- ACCEPTED record per id reaches it, and none whose id is already a key; if the MERGE inserts
    -- fewer keys than that (another writer got there first), nothing of this run stays.
    MERGE INTO {{ database }}.SILVER.RETAIL_POS_TRANSACTION_KEY AS tgt
    USING (
        SELECT
            work.TRANSACTION_ID,
            work.RECORD_HASH AS CONTENT_HASH,
            CONVERT_TIMEZONE('UTC', store.TIME_ZONE, work.EVENT_TS_UTC)::DATE AS BUSINESS_DATE,
            work.STORE_ID,
            CURRENT_TIMESTAMP() AS ACCEPTED_AT,
            work.RUN_ID
        FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD AS work
        INNER JOIN {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION AS decision
            ON work.RUN_ID = decision.RUN_ID AND work.RECORD_SEQ = decision.RECORD_SEQ
        INNER JOIN {{ database }}.SILVER.DIM_STORE AS store
            ON work.STORE_ID = store.STORE_ID
        WHERE work.RUN_ID = :run_id AND decision.OUTCOME = 'ACCEPTED'
    ) AS src
        ON tgt.TRANSACTION_ID = src.TRANSACTION_ID
    WHEN NOT MATCHED THEN INSERT (
        TRANSACTION_ID, CONTENT_HASH, BUSINESS_DATE, STORE_ID, ACCEPTED_AT, RUN_ID
    ) VALUES (
        src.TRANSACTION_ID, src.CONTENT_HASH, src.BUSINESS_DATE, src.STORE_ID, src.ACCEPTED_AT, src.RUN_ID
    );
    rows_accepted := SQLROWCOUNT;

    IF (
        :rows_accepted <> (
            SELECT COUNT(*) FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION
            WHERE RUN_ID = :run_id AND OUTCOME = 'ACCEPTED'
        )
    ) THEN
        RAISE keys_disagree;
    END IF;

    -- Every line of each transaction whose key was just added (insert-only; the key table is the
    -- business-key check, so Silver's history is not scanned).
    INSERT INTO {{ database }}.SILVER.RETAIL_POS_PROCESSED (
        TRANSACTION_ID, LINE_NUMBER, LINE_COUNT, STORE_ID, CITY, REGISTER_ID, CASHIER_ID, CURRENCY, EVENT_TS,
        EVENT_TS_UTC, BUSINESS_DATE, PRODUCT_ID, UNIT_PRICE, QUANTITY, CANCELED, LINE_AMOUNT, PAYMENT_METHOD,
        TOTAL_AMOUNT, REFUND_AMOUNT, REFUND_METHOD, REFUND_TS, SCHEMA_VERSION, CONTENT_HASH, KINESIS_SHARD_ID,
        KINESIS_SEQUENCE_NUMBER, KINESIS_ARRIVAL_AT, INGESTED_AT, PROCESSED_AT, RUN_ID
    )
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
    WHERE work.RUN_ID = :run_id AND decision.OUTCOME = 'ACCEPTED';
    rows_written := SQLROWCOUNT;

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
    rows_rejected := SQLROWCOUNT;
    -- Every record read has exactly one outcome.
    rows_duplicate := rows_read - rows_accepted - rows_rejected;

    -- Where each record sent back from the dead letter ended (the redrive's audit trail): the
    -- rejection row this run wrote carries today's reasons.
    INSERT INTO {{ database }}.SILVER.RETAIL_POS_REDRIVE_OUTCOME (
        REDRIVE_ID, RECORD_HASH, TRANSACTION_ID, OUTCOME, FAILED_RULES, RUN_ID, DECIDED_AT
    )
    SELECT
        queued.REDRIVE_ID,
        queued.RECORD_HASH,
        decision.TRANSACTION_ID,
        decision.OUTCOME,
        rejected.FAILED_RULES,
        :run_id,
        CURRENT_TIMESTAMP()
    FROM {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE AS queued
    INNER JOIN {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION AS decision
        ON decision.RUN_ID = :run_id AND queued.QUEUE_SEQ = decision.RECORD_SEQ
    LEFT OUTER JOIN {{ database }}.SILVER.RETAIL_POS_REJECTED AS rejected
        ON queued.RECORD_HASH = rejected.RECORD_HASH AND rejected.RUN_ID = :run_id
    WHERE queued.QUEUE_SEQ <= :chunk_end AND queued.REDRIVE_ID IS NOT NULL;

    DELETE FROM {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE WHERE QUEUE_SEQ <= :chunk_end;
    rows_queued := (SELECT COUNT(*) FROM {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE);

    -- More records wait than this run could take: wake the task again (the row is committed after
    -- this transaction's start, so the continuation stream shows it).
    INSERT INTO {{ database }}.SILVER.PROCESS_RAW_POS_CONTINUATION (RUN_ID, QUEUED_RECORDS, CREATED_AT)
    SELECT
        :run_id,
        :rows_queued,
        CURRENT_TIMESTAMP()
    WHERE :rows_queued > 0;

    INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
        RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ROWS_READ, ROWS_ACCEPTED,
        ROWS_REJECTED, ROWS_DUPLICATE, ROWS_WRITTEN, ERROR_MESSAGE, ERROR_SQLSTATE, SOURCE_ROWS_SEEN,
        ROWS_ENQUEUED, ROWS_QUEUED
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
        NULL,
        :source_rows_seen,
        :rows_enqueued,
        :rows_queued;

    DELETE FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE WHERE RUN_ID = :run_id;
    DELETE FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_FAILURE WHERE RUN_ID = :run_id;
    DELETE FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION WHERE RUN_ID = :run_id;
    DELETE FROM {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD WHERE RUN_ID = :run_id;

    COMMIT;
    RETURN OBJECT_CONSTRUCT(
        'run_id', run_id,
        'rows_enqueued', rows_enqueued,
        'rows_read', rows_read,
        'rows_accepted', rows_accepted,
        'rows_rejected', rows_rejected,
        'rows_duplicate', rows_duplicate,
        'rows_written', rows_written,
        'rows_queued', rows_queued
    );
EXCEPTION
    WHEN OTHER THEN
        ROLLBACK;
        error_message := SQLERRM;
        error_sqlstate := SQLSTATE;
        -- SOURCE_ROWS_SEEN and ROWS_ENQUEUED only when the enqueue transaction committed.
        INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
            RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ERROR_MESSAGE, ERROR_SQLSTATE,
            SOURCE_ROWS_SEEN, ROWS_ENQUEUED, ROWS_QUEUED
        )
        SELECT
            :run_id,
            'SILVER.PROCESS_RAW_POS',
            :started_at,
            CURRENT_TIMESTAMP(),
            DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
            'FAILED',
            LEFT(:error_message, 4000),
            :error_sqlstate,
            IFF(:enqueue_committed, :source_rows_seen, NULL),
            IFF(:enqueue_committed, :rows_enqueued, NULL),
            (SELECT COUNT(*) FROM {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE);
        -- Records wait in the queue (this run's enqueue committed, its processing did not): make
        -- sure the task runs again even if no new Bronze row arrives.
        INSERT INTO {{ database }}.SILVER.PROCESS_RAW_POS_CONTINUATION (RUN_ID, QUEUED_RECORDS, CREATED_AT)
        SELECT
            :run_id,
            COUNT(*),
            CURRENT_TIMESTAMP()
        FROM {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE
        HAVING COUNT(*) > 0;
        RAISE;
END;
$$;

GRANT OWNERSHIP ON PROCEDURE {{ database }}.SILVER.PROCESS_RAW_POS() TO ROLE {{ transform_role }} COPY CURRENT GRANTS;

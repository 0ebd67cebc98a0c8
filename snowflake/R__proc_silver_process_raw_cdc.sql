-- Bronze -> the dimensions: ERP change events (cdc.v1) of the product and store tables are applied
-- to SILVER.DIM_PRODUCT and SILVER.DIM_STORE, in one transaction per run over its own Bronze
-- stream. Each distinct event (RECORD_HASH) lands once: in SILVER.DIM_CHANGE_LOG (the history) or
-- in CDC_REJECTED with every failed rule; a copy is a DUPLICATE with no effect; another event at a
-- log position (TABLE_NAME, LSN) already taken is rejected (LSN_CONFLICT).
-- Order: per row, the event with the highest LSN wins. An event older than a change of its row
-- already applied is SUPERSEDED (logged, not applied): out-of-order and replayed events converge to
-- the source's state whatever the delivery order. Of a run's events for one row only the newest is
-- applied to the dimension (the same end state as applying them one by one in LSN order): an
-- upsert (c, u, r) MERGEs the after image, a delete (d) deletes the row. A delete of a row the
-- dimension does not hold deletes nothing and is logged as DELETE_OF_ABSENT_ROW: its LSN still
-- counts as the row's latest, so an older create arriving later does not bring the row back.
-- A failure rolls everything back (the stream keeps its offset), logs a FAILED run and re-raises.
-- Rules and semantics: docs/snowflake.md, "Event kinds".
CREATE OR REPLACE PROCEDURE {{ database }}.SILVER.PROCESS_RAW_CDC()
RETURNS VARIANT
LANGUAGE SQL
COMMENT = 'Apply new ERP change events to DIM_PRODUCT and DIM_STORE, in log order'
EXECUTE AS OWNER
AS
$$
DECLARE
    run_id VARCHAR DEFAULT UUID_STRING();
    started_at TIMESTAMP_TZ DEFAULT CURRENT_TIMESTAMP();
    source_rows_seen NUMBER DEFAULT NULL;
    rows_read NUMBER DEFAULT 0;
    rows_accepted NUMBER DEFAULT 0;
    rows_rejected NUMBER DEFAULT 0;
    rows_duplicate NUMBER DEFAULT 0;
    rows_written NUMBER DEFAULT 0;
    error_message VARCHAR DEFAULT '';
    error_sqlstate VARCHAR DEFAULT '';
BEGIN
    BEGIN TRANSACTION;

    -- Bronze rows as of this transaction, for OPS.STREAM_BACKLOG (COUNT(*) of a table is metadata).
    source_rows_seen := (SELECT COUNT(*) FROM {{ database }}.BRONZE.JSON_RAW_DATA);

    -- The only statement that reads the stream: it consumes all of it (every kind) at COMMIT.
    INSERT INTO {{ database }}.SILVER.CDC_WORK (
        RUN_ID, RECORD_SEQ, RECORD_HASH, RECORD_CONTENT, RECORD_METADATA, TRANSFORM_STATUS, TRANSFORM_ERRORS,
        IS_FIRST_COPY, ALREADY_SEEN, OP, TABLE_NAME, LSN_TEXT, LSN, ROW_KEY, BEFORE_IMAGE, AFTER_IMAGE, SOURCE_TS,
        PRIOR_LSN, PRODUCT_NAME, CATEGORY, LIST_PRICE_TEXT, LIST_PRICE, INITIAL_STOCK_TEXT, INITIAL_STOCK,
        REORDER_POINT_TEXT, REORDER_POINT, CITY, TIME_ZONE, COUNTRY, CURRENCY, OPENED_ON_TEXT, OPENED_ON,
        KINESIS_SHARD_ID, KINESIS_SEQUENCE_NUMBER, KINESIS_ARRIVAL_AT, INGESTED_AT
    )
    SELECT
        :run_id AS RUN_ID,
        parsed.RECORD_SEQ,
        parsed.RECORD_HASH,
        parsed.RECORD_CONTENT,
        parsed.RECORD_METADATA,
        parsed.TRANSFORM_STATUS,
        parsed.TRANSFORM_ERRORS,
        ROW_NUMBER() OVER (PARTITION BY parsed.RECORD_HASH ORDER BY parsed.RECORD_SEQ) = 1 AS IS_FIRST_COPY,
        (landed.CONTENT_HASH IS NOT NULL OR rejected.RECORD_HASH IS NOT NULL) AS ALREADY_SEEN,
        parsed.OP,
        parsed.TABLE_NAME,
        parsed.LSN_TEXT,
        TRY_TO_NUMBER(parsed.LSN_TEXT) AS LSN,
        parsed.ROW_KEY,
        parsed.BEFORE_IMAGE,
        parsed.AFTER_IMAGE,
        TO_TIMESTAMP_NTZ(
            IFF(TRY_TO_NUMBER(parsed.TS_MS_TEXT) BETWEEN 0 AND 253402300799999, TRY_TO_NUMBER(parsed.TS_MS_TEXT), NULL),
            3
        ) AS SOURCE_TS,
        history.PRIOR_LSN,
        NULLIF(TRIM(parsed.AFTER_IMAGE:product_name::STRING), '') AS PRODUCT_NAME,
        NULLIF(TRIM(parsed.AFTER_IMAGE:category::STRING), '') AS CATEGORY,
        NULLIF(TRIM(parsed.AFTER_IMAGE:list_price::STRING), '') AS LIST_PRICE_TEXT,
        TRY_TO_DECIMAL(parsed.AFTER_IMAGE:list_price::STRING, 12, 2) AS LIST_PRICE,
        parsed.AFTER_IMAGE:initial_stock::STRING AS INITIAL_STOCK_TEXT,
        IFF(
            REGEXP_LIKE(parsed.AFTER_IMAGE:initial_stock::STRING, '^[0-9]{1,12}$'),
            TRY_TO_NUMBER(parsed.AFTER_IMAGE:initial_stock::STRING),
            NULL
        ) AS INITIAL_STOCK,
        parsed.AFTER_IMAGE:reorder_point::STRING AS REORDER_POINT_TEXT,
        IFF(
            REGEXP_LIKE(parsed.AFTER_IMAGE:reorder_point::STRING, '^[0-9]{1,12}$'),
            TRY_TO_NUMBER(parsed.AFTER_IMAGE:reorder_point::STRING),
            NULL
        ) AS REORDER_POINT,
        NULLIF(TRIM(parsed.AFTER_IMAGE:city::STRING), '') AS CITY,
        parsed.AFTER_IMAGE:time_zone::STRING AS TIME_ZONE,
        parsed.AFTER_IMAGE:country::STRING AS COUNTRY,
        parsed.AFTER_IMAGE:currency::STRING AS CURRENCY,
        parsed.AFTER_IMAGE:opened_on::STRING AS OPENED_ON_TEXT,
        IFF(
            REGEXP_LIKE(parsed.AFTER_IMAGE:opened_on::STRING, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
            TRY_TO_DATE(parsed.AFTER_IMAGE:opened_on::STRING),
            NULL
        ) AS OPENED_ON,
        parsed.KINESIS_SHARD_ID,
        parsed.KINESIS_SEQUENCE_NUMBER,
        parsed.KINESIS_ARRIVAL_AT,
        parsed.INGESTED_AT
    FROM (
        SELECT
            extracted.*,
            ROW_NUMBER() OVER (
                ORDER BY
                    extracted.KINESIS_ARRIVAL_AT,
                    extracted.KINESIS_SHARD_ID,
                    LPAD(extracted.KINESIS_SEQUENCE_NUMBER, 64, '0'),
                    extracted.RECORD_HASH
            ) AS RECORD_SEQ,
            CONVERT_TIMEZONE(
                'UTC',
                TRY_TO_TIMESTAMP_TZ(
                    REGEXP_REPLACE(extracted.RECEIVED_AT_TEXT, 'Z$', '+00:00'), 'YYYY-MM-DD"T"HH24:MI:SS.FFTZH:TZM'
                )
            )::TIMESTAMP_NTZ AS INGESTED_AT
        FROM (
            SELECT
                bronze.RECORD_CONTENT,
                bronze.RECORD_METADATA,
                COALESCE(
                    IFF(
                        REGEXP_LIKE(bronze.RECORD_CONTENT:meta:content_sha256::STRING, '^[0-9a-f]{64}$'),
                        bronze.RECORD_CONTENT:meta:content_sha256::STRING,
                        NULL
                    ),
                    SHA2(COALESCE(TO_JSON(bronze.RECORD_CONTENT), 'null'), 256)
                ) AS RECORD_HASH,
                bronze.RECORD_CONTENT:meta:status::STRING AS TRANSFORM_STATUS,
                bronze.RECORD_CONTENT:meta:errors AS TRANSFORM_ERRORS,
                bronze.RECORD_CONTENT:payload:op::STRING AS OP,
                bronze.RECORD_CONTENT:payload:source:table::STRING AS TABLE_NAME,
                bronze.RECORD_CONTENT:payload:source:lsn::STRING AS LSN_TEXT,
                bronze.RECORD_CONTENT:payload:ts_ms::STRING AS TS_MS_TEXT,
                -- A JSON null image is no image.
                IFF(
                    COALESCE(IS_NULL_VALUE(bronze.RECORD_CONTENT:payload:before), TRUE),
                    NULL,
                    bronze.RECORD_CONTENT:payload:before
                ) AS BEFORE_IMAGE,
                IFF(
                    COALESCE(IS_NULL_VALUE(bronze.RECORD_CONTENT:payload:after), TRUE),
                    NULL,
                    bronze.RECORD_CONTENT:payload:after
                ) AS AFTER_IMAGE,
                -- The row's key: from the after image, or the before image of a delete.
                NULLIF(
                    TRIM(
                        CASE bronze.RECORD_CONTENT:payload:source:table::STRING
                            WHEN 'product' THEN
                                IFF(
                                    bronze.RECORD_CONTENT:payload:op::STRING = 'd',
                                    bronze.RECORD_CONTENT:payload:before:product_id::STRING,
                                    bronze.RECORD_CONTENT:payload:after:product_id::STRING
                                )
                            WHEN 'store' THEN
                                IFF(
                                    bronze.RECORD_CONTENT:payload:op::STRING = 'd',
                                    bronze.RECORD_CONTENT:payload:before:store_id::STRING,
                                    bronze.RECORD_CONTENT:payload:after:store_id::STRING
                                )
                        END
                    ),
                    ''
                ) AS ROW_KEY,
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
            FROM {{ database }}.BRONZE.JSON_RAW_DATA_CDC_STREAM AS bronze
            WHERE bronze.RECORD_CONTENT:meta:schema::STRING = 'cdc.v1'
        ) AS extracted
    ) AS parsed
    LEFT OUTER JOIN (
        SELECT DISTINCT CONTENT_HASH FROM {{ database }}.SILVER.DIM_CHANGE_LOG
    ) AS landed
        ON parsed.RECORD_HASH = landed.CONTENT_HASH
    LEFT OUTER JOIN (
        SELECT DISTINCT RECORD_HASH FROM {{ database }}.SILVER.CDC_REJECTED
    ) AS rejected
        ON parsed.RECORD_HASH = rejected.RECORD_HASH
    LEFT OUTER JOIN (
        SELECT
            TABLE_NAME,
            ROW_KEY,
            MAX(LSN) AS PRIOR_LSN
        FROM {{ database }}.SILVER.DIM_CHANGE_LOG
        GROUP BY TABLE_NAME, ROW_KEY
    ) AS history
        ON parsed.TABLE_NAME = history.TABLE_NAME AND parsed.ROW_KEY = history.ROW_KEY;
    rows_read := SQLROWCOUNT;

    -- Every failed rule of every record that is neither a copy nor already seen, one row each.
    INSERT INTO {{ database }}.SILVER.EVENT_WORK_FAILURE (RUN_ID, RECORD_SEQ, RULE_ID, DETAIL)
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'TRANSFORM_FLAGGED' AS RULE_ID,
        'status=' || COALESCE(work.TRANSFORM_STATUS, 'missing') || '; errors='
        || COALESCE(TO_JSON(work.TRANSFORM_ERRORS), '[]') AS DETAIL
    FROM {{ database }}.SILVER.CDC_WORK AS work
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
        AND COALESCE(work.TRANSFORM_STATUS, '') <> 'valid'
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'CDC_KEY_MISSING' AS RULE_ID,
        IFF(work.OP = 'd', 'before', 'after') || '.' || work.TABLE_NAME || '_id' AS DETAIL
    FROM {{ database }}.SILVER.CDC_WORK AS work
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN AND work.TRANSFORM_STATUS = 'valid'
        AND work.ROW_KEY IS NULL
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'INVALID_TYPE' AS RULE_ID,
        'source.lsn: not a whole number' AS DETAIL
    FROM {{ database }}.SILVER.CDC_WORK AS work
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN AND work.TRANSFORM_STATUS = 'valid'
        AND work.LSN IS NULL
    UNION ALL
    -- The after image of an upsert must fill every column of its dimension with a valid value.
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'CDC_ROW_INVALID' AS RULE_ID,
        'after.' || rule.COLUMN_NAME || ': ' || rule.EXPECTED AS DETAIL
    FROM {{ database }}.SILVER.CDC_WORK AS work
    INNER JOIN (
        VALUES
        ('product', 'product_name', 'required text'),
        ('product', 'category', 'required text'),
        ('product', 'list_price', 'a NUMBER(12,2) of at least 0'),
        ('product', 'initial_stock', 'a whole number of at least 0'),
        ('product', 'reorder_point', 'a whole number of at least 0'),
        ('store', 'city', 'required text'),
        ('store', 'time_zone', 'an IANA time zone name such as Europe/Berlin'),
        ('store', 'country', 'an ISO 3166-1 alpha-2 code'),
        ('store', 'currency', 'a currency of SILVER.DIM_CURRENCY'),
        ('store', 'opened_on', 'a date YYYY-MM-DD')
    ) AS rule (TABLE_NAME, COLUMN_NAME, EXPECTED)
        ON
            work.TABLE_NAME = rule.TABLE_NAME
            AND (
                (rule.COLUMN_NAME = 'product_name' AND work.PRODUCT_NAME IS NULL)
                OR (rule.COLUMN_NAME = 'category' AND work.CATEGORY IS NULL)
                OR (rule.COLUMN_NAME = 'list_price' AND COALESCE(work.LIST_PRICE < 0, TRUE))
                OR (rule.COLUMN_NAME = 'initial_stock' AND work.INITIAL_STOCK IS NULL)
                OR (rule.COLUMN_NAME = 'reorder_point' AND work.REORDER_POINT IS NULL)
                OR (rule.COLUMN_NAME = 'city' AND work.CITY IS NULL)
                OR (
                    rule.COLUMN_NAME = 'time_zone'
                    AND NOT COALESCE(REGEXP_LIKE(work.TIME_ZONE, '^[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2}$'), FALSE)
                )
                OR (rule.COLUMN_NAME = 'country' AND NOT COALESCE(REGEXP_LIKE(work.COUNTRY, '^[A-Z]{2}$'), FALSE))
                OR (
                    rule.COLUMN_NAME = 'currency'
                    AND COALESCE(work.CURRENCY, '') NOT IN (
                        SELECT currency.CURRENCY_CODE FROM {{ database }}.SILVER.DIM_CURRENCY AS currency
                    )
                )
                OR (rule.COLUMN_NAME = 'opened_on' AND work.OPENED_ON IS NULL)
            )
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN AND work.TRANSFORM_STATUS = 'valid'
        AND work.OP IN ('c', 'u', 'r') AND work.ROW_KEY IS NOT NULL;

    -- A log position names one change: another event at a (table, LSN) already logged, or taken by
    -- an earlier passing event of this run, is not the source's change.
    INSERT INTO {{ database }}.SILVER.EVENT_WORK_FAILURE (RUN_ID, RECORD_SEQ, RULE_ID, DETAIL)
    SELECT
        candidate.RUN_ID,
        candidate.RECORD_SEQ,
        'LSN_CONFLICT' AS RULE_ID,
        candidate.TABLE_NAME || ' lsn ' || TO_VARCHAR(candidate.LSN) || ' already applied with other content' AS DETAIL
    FROM (
        SELECT
            work.RUN_ID,
            work.RECORD_SEQ,
            work.TABLE_NAME,
            work.LSN,
            logged.LSN IS NOT NULL AS POSITION_TAKEN,
            ROW_NUMBER() OVER (PARTITION BY work.TABLE_NAME, work.LSN ORDER BY work.RECORD_SEQ) AS POSITION_RANK
        FROM {{ database }}.SILVER.CDC_WORK AS work
        LEFT OUTER JOIN {{ database }}.SILVER.DIM_CHANGE_LOG AS logged
            ON work.TABLE_NAME = logged.TABLE_NAME AND work.LSN = logged.LSN
        WHERE
            work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
            AND work.RECORD_SEQ NOT IN (
                SELECT failure.RECORD_SEQ FROM {{ database }}.SILVER.EVENT_WORK_FAILURE AS failure
                WHERE failure.RUN_ID = :run_id
            )
    ) AS candidate
    WHERE candidate.POSITION_TAKEN OR candidate.POSITION_RANK > 1;

    INSERT INTO {{ database }}.SILVER.CDC_REJECTED (
        RECORD_HASH, RECORD_CONTENT, RECORD_METADATA, ROW_KEY, FAILED_RULES, FAILED_RULE_COUNT, STAGE,
        KINESIS_SHARD_ID, KINESIS_SEQUENCE_NUMBER, REJECTED_AT, RUN_ID
    )
    SELECT
        work.RECORD_HASH,
        work.RECORD_CONTENT,
        work.RECORD_METADATA,
        work.ROW_KEY,
        failure.FAILED_RULES,
        failure.FAILED_RULE_COUNT,
        'SILVER.PROCESS_RAW_CDC' AS STAGE,
        work.KINESIS_SHARD_ID,
        work.KINESIS_SEQUENCE_NUMBER,
        CURRENT_TIMESTAMP() AS REJECTED_AT,
        work.RUN_ID
    FROM {{ database }}.SILVER.CDC_WORK AS work
    INNER JOIN (
        SELECT
            RECORD_SEQ,
            ARRAY_AGG(OBJECT_CONSTRUCT('rule_id', RULE_ID, 'detail', DETAIL))
                WITHIN GROUP (ORDER BY RULE_ID, DETAIL) AS FAILED_RULES,
            COUNT(*) AS FAILED_RULE_COUNT
        FROM {{ database }}.SILVER.EVENT_WORK_FAILURE
        WHERE RUN_ID = :run_id
        GROUP BY RECORD_SEQ
    ) AS failure
        ON work.RECORD_SEQ = failure.RECORD_SEQ
    WHERE work.RUN_ID = :run_id;
    rows_rejected := SQLROWCOUNT;

    -- The history first (it decides each event's outcome from the state before this run).
    INSERT INTO {{ database }}.SILVER.DIM_CHANGE_LOG (
        TABLE_NAME, ROW_KEY, LSN, OP, BEFORE_IMAGE, AFTER_IMAGE, SOURCE_TS, OUTCOME, CONTENT_HASH,
        KINESIS_SHARD_ID, KINESIS_SEQUENCE_NUMBER, KINESIS_ARRIVAL_AT, INGESTED_AT, PROCESSED_AT, RUN_ID
    )
    SELECT
        passing.TABLE_NAME,
        passing.ROW_KEY,
        passing.LSN,
        passing.OP,
        passing.BEFORE_IMAGE,
        passing.AFTER_IMAGE,
        passing.SOURCE_TS,
        CASE
            WHEN passing.LSN < passing.PRIOR_LSN THEN 'SUPERSEDED'
            WHEN
                passing.OP = 'd'
                AND NOT passing.ROW_PRESENT
                AND COALESCE(passing.FIRST_UPSERT_LSN > passing.LSN, TRUE)
                THEN 'DELETE_OF_ABSENT_ROW'
            ELSE 'APPLIED'
        END AS OUTCOME,
        passing.RECORD_HASH AS CONTENT_HASH,
        passing.KINESIS_SHARD_ID,
        passing.KINESIS_SEQUENCE_NUMBER,
        passing.KINESIS_ARRIVAL_AT,
        passing.INGESTED_AT,
        CURRENT_TIMESTAMP() AS PROCESSED_AT,
        passing.RUN_ID
    FROM (
        SELECT
            work.*,
            COALESCE(product.PRODUCT_ID, store.STORE_ID) IS NOT NULL AS ROW_PRESENT,
            -- The row's first upsert of this run that the history would apply before this event.
            MIN(IFF(work.OP <> 'd' AND work.LSN > COALESCE(work.PRIOR_LSN, -1), work.LSN, NULL)) OVER (
                PARTITION BY work.TABLE_NAME, work.ROW_KEY
            ) AS FIRST_UPSERT_LSN
        FROM {{ database }}.SILVER.CDC_WORK AS work
        LEFT OUTER JOIN {{ database }}.SILVER.DIM_PRODUCT AS product
            ON work.TABLE_NAME = 'product' AND work.ROW_KEY = product.PRODUCT_ID
        LEFT OUTER JOIN {{ database }}.SILVER.DIM_STORE AS store
            ON work.TABLE_NAME = 'store' AND work.ROW_KEY = store.STORE_ID
        WHERE
            work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
            AND work.RECORD_SEQ NOT IN (
                SELECT failure.RECORD_SEQ FROM {{ database }}.SILVER.EVENT_WORK_FAILURE AS failure
                WHERE failure.RUN_ID = :run_id
            )
    ) AS passing;
    rows_accepted := SQLROWCOUNT;
    -- Every record read has exactly one outcome.
    rows_duplicate := rows_read - rows_accepted - rows_rejected;

    -- Each row's newest event of this run, when newer than everything applied before.
    DELETE FROM {{ database }}.SILVER.DIM_PRODUCT
    WHERE PRODUCT_ID IN (
        SELECT newest.ROW_KEY
        FROM (
            SELECT
                work.ROW_KEY,
                work.OP,
                ROW_NUMBER() OVER (PARTITION BY work.ROW_KEY ORDER BY work.LSN DESC) AS NEWEST_FIRST
            FROM {{ database }}.SILVER.CDC_WORK AS work
            INNER JOIN {{ database }}.SILVER.DIM_CHANGE_LOG AS logged
                ON work.TABLE_NAME = logged.TABLE_NAME AND work.LSN = logged.LSN
            WHERE work.RUN_ID = :run_id AND logged.RUN_ID = :run_id AND logged.OUTCOME <> 'SUPERSEDED'
                AND work.TABLE_NAME = 'product'
        ) AS newest
        WHERE newest.NEWEST_FIRST = 1 AND newest.OP = 'd'
    );
    rows_written := SQLROWCOUNT;

    MERGE INTO {{ database }}.SILVER.DIM_PRODUCT AS tgt
    USING (
        SELECT
            newest.ROW_KEY AS PRODUCT_ID,
            newest.PRODUCT_NAME,
            newest.CATEGORY,
            newest.LIST_PRICE,
            newest.INITIAL_STOCK,
            newest.REORDER_POINT
        FROM (
            SELECT
                work.*,
                ROW_NUMBER() OVER (PARTITION BY work.ROW_KEY ORDER BY work.LSN DESC) AS NEWEST_FIRST
            FROM {{ database }}.SILVER.CDC_WORK AS work
            INNER JOIN {{ database }}.SILVER.DIM_CHANGE_LOG AS logged
                ON work.TABLE_NAME = logged.TABLE_NAME AND work.LSN = logged.LSN
            WHERE work.RUN_ID = :run_id AND logged.RUN_ID = :run_id AND logged.OUTCOME <> 'SUPERSEDED'
                AND work.TABLE_NAME = 'product'
        ) AS newest
        WHERE newest.NEWEST_FIRST = 1 AND newest.OP <> 'd'
    ) AS src
        ON tgt.PRODUCT_ID = src.PRODUCT_ID
    WHEN MATCHED THEN UPDATE SET
        tgt.PRODUCT_NAME = src.PRODUCT_NAME,
        tgt.CATEGORY = src.CATEGORY,
        tgt.LIST_PRICE = src.LIST_PRICE,
        tgt.INITIAL_STOCK = src.INITIAL_STOCK,
        tgt.REORDER_POINT = src.REORDER_POINT
    WHEN NOT MATCHED THEN INSERT (
        PRODUCT_ID, PRODUCT_NAME, CATEGORY, LIST_PRICE, INITIAL_STOCK, REORDER_POINT
    ) VALUES (
        src.PRODUCT_ID, src.PRODUCT_NAME, src.CATEGORY, src.LIST_PRICE, src.INITIAL_STOCK, src.REORDER_POINT
    );
    rows_written := rows_written + SQLROWCOUNT;

    DELETE FROM {{ database }}.SILVER.DIM_STORE
    WHERE STORE_ID IN (
        SELECT newest.ROW_KEY
        FROM (
            SELECT
                work.ROW_KEY,
                work.OP,
                ROW_NUMBER() OVER (PARTITION BY work.ROW_KEY ORDER BY work.LSN DESC) AS NEWEST_FIRST
            FROM {{ database }}.SILVER.CDC_WORK AS work
            INNER JOIN {{ database }}.SILVER.DIM_CHANGE_LOG AS logged
                ON work.TABLE_NAME = logged.TABLE_NAME AND work.LSN = logged.LSN
            WHERE work.RUN_ID = :run_id AND logged.RUN_ID = :run_id AND logged.OUTCOME <> 'SUPERSEDED'
                AND work.TABLE_NAME = 'store'
        ) AS newest
        WHERE newest.NEWEST_FIRST = 1 AND newest.OP = 'd'
    );
    rows_written := rows_written + SQLROWCOUNT;

    MERGE INTO {{ database }}.SILVER.DIM_STORE AS tgt
    USING (
        SELECT
            newest.ROW_KEY AS STORE_ID,
            newest.CITY,
            newest.TIME_ZONE,
            newest.COUNTRY,
            newest.CURRENCY,
            newest.OPENED_ON
        FROM (
            SELECT
                work.*,
                ROW_NUMBER() OVER (PARTITION BY work.ROW_KEY ORDER BY work.LSN DESC) AS NEWEST_FIRST
            FROM {{ database }}.SILVER.CDC_WORK AS work
            INNER JOIN {{ database }}.SILVER.DIM_CHANGE_LOG AS logged
                ON work.TABLE_NAME = logged.TABLE_NAME AND work.LSN = logged.LSN
            WHERE work.RUN_ID = :run_id AND logged.RUN_ID = :run_id AND logged.OUTCOME <> 'SUPERSEDED'
                AND work.TABLE_NAME = 'store'
        ) AS newest
        WHERE newest.NEWEST_FIRST = 1 AND newest.OP <> 'd'
    ) AS src
        ON tgt.STORE_ID = src.STORE_ID
    WHEN MATCHED THEN UPDATE SET
        tgt.CITY = src.CITY,
        tgt.TIME_ZONE = src.TIME_ZONE,
        tgt.COUNTRY = src.COUNTRY,
        tgt.CURRENCY = src.CURRENCY,
        tgt.OPENED_ON = src.OPENED_ON
    WHEN NOT MATCHED THEN INSERT (
        STORE_ID, CITY, TIME_ZONE, COUNTRY, CURRENCY, OPENED_ON
    ) VALUES (
        src.STORE_ID, src.CITY, src.TIME_ZONE, src.COUNTRY, src.CURRENCY, src.OPENED_ON
    );
    rows_written := rows_written + SQLROWCOUNT;

    -- Opening stock for the (store, product) pairs a product or store created here lacks, as
    -- A__1_seed_inventory.sql gives every pair on a deploy: a product created through CDC is on
    -- the inventory at once, not at its first sale. A MERGE (see A__1 for why not INSERT); a
    -- sale of the new product cannot be applied before this commits (POS rejects it until
    -- DIM_PRODUCT has the row), so UPDATE_INVENTORY never races it for the same pair.
    MERGE INTO {{ database }}.SILVER.INVENTORY AS tgt
    USING (
        SELECT
            store.STORE_ID,
            product.PRODUCT_ID,
            product.INITIAL_STOCK,
            product.REORDER_POINT
        FROM {{ database }}.SILVER.DIM_STORE AS store
        CROSS JOIN {{ database }}.SILVER.DIM_PRODUCT AS product
        WHERE
            -- The verification canary's store (V40) holds no stock, as in A__1.
            NOT COALESCE(store.IS_CANARY, FALSE)
            AND (
                product.PRODUCT_ID IN (
                    SELECT logged.ROW_KEY FROM {{ database }}.SILVER.DIM_CHANGE_LOG AS logged
                    WHERE logged.RUN_ID = :run_id AND logged.TABLE_NAME = 'product' AND logged.OP <> 'd'
                )
                OR store.STORE_ID IN (
                    SELECT logged.ROW_KEY FROM {{ database }}.SILVER.DIM_CHANGE_LOG AS logged
                    WHERE logged.RUN_ID = :run_id AND logged.TABLE_NAME = 'store' AND logged.OP <> 'd'
                )
            )
    ) AS src
        ON tgt.STORE_ID = src.STORE_ID AND tgt.PRODUCT_ID = src.PRODUCT_ID
    WHEN NOT MATCHED THEN INSERT (
        STORE_ID, PRODUCT_ID, INITIAL_STOCK, UNITS_SOLD, ON_HAND, REORDER_POINT, LAST_MOVEMENT_AT, UPDATED_AT,
        LAST_RUN_ID
    ) VALUES (
        src.STORE_ID, src.PRODUCT_ID, src.INITIAL_STOCK, 0, src.INITIAL_STOCK, src.REORDER_POINT, NULL,
        CURRENT_TIMESTAMP(), :run_id
    );

    INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
        RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ROWS_READ, ROWS_ACCEPTED,
        ROWS_REJECTED, ROWS_DUPLICATE, ROWS_WRITTEN, ERROR_MESSAGE, ERROR_SQLSTATE, SOURCE_ROWS_SEEN
    )
    SELECT
        :run_id,
        'SILVER.PROCESS_RAW_CDC',
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
        :source_rows_seen;

    DELETE FROM {{ database }}.SILVER.EVENT_WORK_FAILURE WHERE RUN_ID = :run_id;
    DELETE FROM {{ database }}.SILVER.CDC_WORK WHERE RUN_ID = :run_id;

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
            'SILVER.PROCESS_RAW_CDC',
            :started_at,
            CURRENT_TIMESTAMP(),
            DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
            'FAILED',
            LEFT(:error_message, 4000),
            :error_sqlstate;
        RAISE;
END;
$$;

GRANT OWNERSHIP ON PROCEDURE {{ database }}.SILVER.PROCESS_RAW_CDC() TO ROLE {{ transform_role }} COPY CURRENT GRANTS;

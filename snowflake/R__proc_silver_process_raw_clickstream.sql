-- Bronze -> SILVER.CLICKSTREAM_EVENTS, in one transaction per run over its own Bronze stream,
-- taking only clickstream.v1 records (meta.schema; the stream shows every Bronze row, the other
-- kinds are other procedures' business). Each distinct record (RECORD_HASH, the transform's
-- meta.content_sha256) lands once: accepted into CLICKSTREAM_EVENTS, or rejected into
-- CLICKSTREAM_REJECTED with every failed rule; a copy of a record already landed or rejected, in
-- this run or an earlier one, is a DUPLICATE with no effect. A different record with an EVENT_ID
-- already accepted is rejected (EVENT_ID_CONFLICT). A failure rolls everything back (the stream
-- keeps its offset), logs a FAILED run and re-raises. Rules: docs/snowflake.md, "Event kinds".
CREATE OR REPLACE PROCEDURE {{ database }}.SILVER.PROCESS_RAW_CLICKSTREAM()
RETURNS VARIANT
LANGUAGE SQL
COMMENT = 'Parse, validate, dedupe and route new clickstream records into Silver'
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
    error_message VARCHAR DEFAULT '';
    error_sqlstate VARCHAR DEFAULT '';
BEGIN
    BEGIN TRANSACTION;

    -- Bronze rows as of this transaction, for OPS.STREAM_BACKLOG (COUNT(*) of a table is metadata).
    source_rows_seen := (SELECT COUNT(*) FROM {{ database }}.BRONZE.JSON_RAW_DATA);

    -- The only statement that reads the stream: it consumes all of it (every kind) at COMMIT.
    INSERT INTO {{ database }}.SILVER.CLICKSTREAM_WORK (
        RUN_ID, RECORD_SEQ, RECORD_HASH, RECORD_CONTENT, RECORD_METADATA, TRANSFORM_STATUS, TRANSFORM_ERRORS,
        IS_FIRST_COPY, ALREADY_SEEN, EVENT_ID, SESSION_ID, CUSTOMER_ID, EVENT_TYPE, PRODUCT_ID, PAGE, EVENT_TS_TEXT,
        EVENT_TS, EVENT_TS_UTC, KINESIS_SHARD_ID, KINESIS_SEQUENCE_NUMBER, KINESIS_ARRIVAL_AT, INGESTED_AT
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
        parsed.EVENT_ID,
        parsed.SESSION_ID,
        parsed.CUSTOMER_ID,
        parsed.EVENT_TYPE,
        parsed.PRODUCT_ID,
        parsed.PAGE,
        parsed.EVENT_TS_TEXT,
        parsed.EVENT_TS,
        CONVERT_TIMEZONE('UTC', parsed.EVENT_TS)::TIMESTAMP_NTZ AS EVENT_TS_UTC,
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
            -- ISO-8601 with a UTC offset (the transform requires one), parsed with explicit formats.
            COALESCE(
                TRY_TO_TIMESTAMP_TZ(extracted.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SS.FFTZH:TZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MITZH:TZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SS.FFTZHTZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MI:SSTZHTZM'),
                TRY_TO_TIMESTAMP_TZ(extracted.EVENT_TS_ISO, 'YYYY-MM-DD"T"HH24:MITZHTZM')
            ) AS EVENT_TS,
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
                NULLIF(TRIM(bronze.RECORD_CONTENT:payload:event_id::STRING), '') AS EVENT_ID,
                NULLIF(TRIM(bronze.RECORD_CONTENT:payload:session_id::STRING), '') AS SESSION_ID,
                NULLIF(TRIM(bronze.RECORD_CONTENT:payload:customer_id::STRING), '') AS CUSTOMER_ID,
                bronze.RECORD_CONTENT:payload:event_type::STRING AS EVENT_TYPE,
                NULLIF(TRIM(bronze.RECORD_CONTENT:payload:product_id::STRING), '') AS PRODUCT_ID,
                bronze.RECORD_CONTENT:payload:page::STRING AS PAGE,
                NULLIF(TRIM(bronze.RECORD_CONTENT:payload:timestamp::STRING), '') AS EVENT_TS_TEXT,
                REGEXP_REPLACE(
                    REPLACE(NULLIF(TRIM(bronze.RECORD_CONTENT:payload:timestamp::STRING), ''), ' ', 'T'), 'Z$', '+00:00'
                ) AS EVENT_TS_ISO,
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
            FROM {{ database }}.BRONZE.JSON_RAW_DATA_CLICKSTREAM_STREAM AS bronze
            WHERE bronze.RECORD_CONTENT:meta:schema::STRING = 'clickstream.v1'
        ) AS extracted
    ) AS parsed
    LEFT OUTER JOIN (
        SELECT DISTINCT CONTENT_HASH FROM {{ database }}.SILVER.CLICKSTREAM_EVENTS
    ) AS landed
        ON parsed.RECORD_HASH = landed.CONTENT_HASH
    LEFT OUTER JOIN (
        SELECT DISTINCT RECORD_HASH FROM {{ database }}.SILVER.CLICKSTREAM_REJECTED
    ) AS rejected
        ON parsed.RECORD_HASH = rejected.RECORD_HASH;
    rows_read := SQLROWCOUNT;

    -- Every failed rule of every record that is neither a copy nor already seen, one row each.
    INSERT INTO {{ database }}.SILVER.EVENT_WORK_FAILURE (RUN_ID, RECORD_SEQ, RULE_ID, DETAIL)
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'TRANSFORM_FLAGGED' AS RULE_ID,
        'status=' || COALESCE(work.TRANSFORM_STATUS, 'missing') || '; errors='
        || COALESCE(TO_JSON(work.TRANSFORM_ERRORS), '[]') AS DETAIL
    FROM {{ database }}.SILVER.CLICKSTREAM_WORK AS work
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
        AND COALESCE(work.TRANSFORM_STATUS, '') <> 'valid'
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'INVALID_TYPE' AS RULE_ID,
        'timestamp: not an ISO-8601 timestamp with a UTC offset' AS DETAIL
    FROM {{ database }}.SILVER.CLICKSTREAM_WORK AS work
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
        AND work.TRANSFORM_STATUS = 'valid' AND work.EVENT_TS IS NULL
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'PRODUCT_REQUIRED' AS RULE_ID,
        work.EVENT_TYPE || ' without product_id' AS DETAIL
    FROM {{ database }}.SILVER.CLICKSTREAM_WORK AS work
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
        AND work.TRANSFORM_STATUS = 'valid' AND work.EVENT_TYPE IN ('product_view', 'add_to_cart')
        AND work.PRODUCT_ID IS NULL
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'UNKNOWN_PRODUCT' AS RULE_ID,
        'product_id ' || LEFT(work.PRODUCT_ID, 64) || ' is not in DIM_PRODUCT' AS DETAIL
    FROM {{ database }}.SILVER.CLICKSTREAM_WORK AS work
    LEFT OUTER JOIN {{ database }}.SILVER.DIM_PRODUCT AS product
        ON work.PRODUCT_ID = product.PRODUCT_ID
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
        AND work.TRANSFORM_STATUS = 'valid' AND work.PRODUCT_ID IS NOT NULL AND product.PRODUCT_ID IS NULL;

    -- The business key: an EVENT_ID accepted before (by another record) or by an earlier record of
    -- this run that passes every rule.
    INSERT INTO {{ database }}.SILVER.EVENT_WORK_FAILURE (RUN_ID, RECORD_SEQ, RULE_ID, DETAIL)
    SELECT
        candidate.RUN_ID,
        candidate.RECORD_SEQ,
        'EVENT_ID_CONFLICT' AS RULE_ID,
        'event_id ' || LEFT(candidate.EVENT_ID, 64) || ' already accepted with other content' AS DETAIL
    FROM (
        SELECT
            work.RUN_ID,
            work.RECORD_SEQ,
            work.EVENT_ID,
            accepted.EVENT_ID IS NOT NULL AS KEY_TAKEN,
            ROW_NUMBER() OVER (PARTITION BY work.EVENT_ID ORDER BY work.RECORD_SEQ) AS KEY_RANK
        FROM {{ database }}.SILVER.CLICKSTREAM_WORK AS work
        LEFT OUTER JOIN {{ database }}.SILVER.CLICKSTREAM_EVENTS AS accepted
            ON work.EVENT_ID = accepted.EVENT_ID
        WHERE
            work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
            AND work.RECORD_SEQ NOT IN (
                SELECT failure.RECORD_SEQ FROM {{ database }}.SILVER.EVENT_WORK_FAILURE AS failure
                WHERE failure.RUN_ID = :run_id
            )
    ) AS candidate
    WHERE candidate.KEY_TAKEN OR candidate.KEY_RANK > 1;

    INSERT INTO {{ database }}.SILVER.CLICKSTREAM_REJECTED (
        RECORD_HASH, RECORD_CONTENT, RECORD_METADATA, EVENT_ID, FAILED_RULES, FAILED_RULE_COUNT, STAGE,
        KINESIS_SHARD_ID, KINESIS_SEQUENCE_NUMBER, REJECTED_AT, RUN_ID
    )
    SELECT
        work.RECORD_HASH,
        work.RECORD_CONTENT,
        work.RECORD_METADATA,
        work.EVENT_ID,
        failure.FAILED_RULES,
        failure.FAILED_RULE_COUNT,
        'SILVER.PROCESS_RAW_CLICKSTREAM' AS STAGE,
        work.KINESIS_SHARD_ID,
        work.KINESIS_SEQUENCE_NUMBER,
        CURRENT_TIMESTAMP() AS REJECTED_AT,
        work.RUN_ID
    FROM {{ database }}.SILVER.CLICKSTREAM_WORK AS work
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

    INSERT INTO {{ database }}.SILVER.CLICKSTREAM_EVENTS (
        EVENT_ID, SESSION_ID, CUSTOMER_ID, EVENT_TYPE, PRODUCT_ID, PAGE, EVENT_TS, EVENT_TS_UTC, EVENT_DATE,
        CONTENT_HASH, KINESIS_SHARD_ID, KINESIS_SEQUENCE_NUMBER, KINESIS_ARRIVAL_AT, INGESTED_AT, PROCESSED_AT,
        RUN_ID
    )
    SELECT
        work.EVENT_ID,
        work.SESSION_ID,
        work.CUSTOMER_ID,
        work.EVENT_TYPE,
        work.PRODUCT_ID,
        work.PAGE,
        work.EVENT_TS,
        work.EVENT_TS_UTC,
        work.EVENT_TS_UTC::DATE AS EVENT_DATE,
        work.RECORD_HASH AS CONTENT_HASH,
        work.KINESIS_SHARD_ID,
        work.KINESIS_SEQUENCE_NUMBER,
        work.KINESIS_ARRIVAL_AT,
        work.INGESTED_AT,
        CURRENT_TIMESTAMP() AS PROCESSED_AT,
        work.RUN_ID
    FROM {{ database }}.SILVER.CLICKSTREAM_WORK AS work
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
        AND work.RECORD_SEQ NOT IN (
            SELECT failure.RECORD_SEQ FROM {{ database }}.SILVER.EVENT_WORK_FAILURE AS failure
            WHERE failure.RUN_ID = :run_id
        );
    rows_accepted := SQLROWCOUNT;
    -- Every record read has exactly one outcome.
    rows_duplicate := rows_read - rows_accepted - rows_rejected;

    INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
        RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ROWS_READ, ROWS_ACCEPTED,
        ROWS_REJECTED, ROWS_DUPLICATE, ROWS_WRITTEN, ERROR_MESSAGE, ERROR_SQLSTATE, SOURCE_ROWS_SEEN
    )
    SELECT
        :run_id,
        'SILVER.PROCESS_RAW_CLICKSTREAM',
        :started_at,
        CURRENT_TIMESTAMP(),
        DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
        'SUCCEEDED',
        :rows_read,
        :rows_accepted,
        :rows_rejected,
        :rows_duplicate,
        :rows_accepted,
        NULL,
        NULL,
        :source_rows_seen;

    DELETE FROM {{ database }}.SILVER.EVENT_WORK_FAILURE WHERE RUN_ID = :run_id;
    DELETE FROM {{ database }}.SILVER.CLICKSTREAM_WORK WHERE RUN_ID = :run_id;

    COMMIT;
    RETURN OBJECT_CONSTRUCT(
        'run_id', run_id,
        'rows_read', rows_read,
        'rows_accepted', rows_accepted,
        'rows_rejected', rows_rejected,
        'rows_duplicate', rows_duplicate
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
            'SILVER.PROCESS_RAW_CLICKSTREAM',
            :started_at,
            CURRENT_TIMESTAMP(),
            DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
            'FAILED',
            LEFT(:error_message, 4000),
            :error_sqlstate;
        RAISE;
END;
$$;

GRANT OWNERSHIP ON PROCEDURE {{ database }}.SILVER.PROCESS_RAW_CLICKSTREAM() TO ROLE {{ transform_role }} COPY CURRENT GRANTS;

-- Bronze -> SILVER.IOT_READINGS, in one transaction per run over its own Bronze stream, taking
-- only iot.v1 records (meta.schema). Same guarantees and shape as PROCESS_RAW_CLICKSTREAM: each
-- distinct record lands once, in IOT_READINGS or in IOT_REJECTED with every failed rule; copies are
-- DUPLICATEs. A reading's key is (SENSOR_ID, MEASURE, EVENT_TS_UTC): another record with a key
-- already accepted is rejected (READING_CONFLICT). A value outside the measure's physical range,
-- or with the other measure's unit, is rejected (VALUE_OUT_OF_RANGE, UNIT_MISMATCH). A failure
-- rolls everything back, logs a FAILED run and re-raises. Rules: docs/snowflake.md, "Event kinds".
CREATE OR REPLACE PROCEDURE {{ database }}.SILVER.PROCESS_RAW_IOT()
RETURNS VARIANT
LANGUAGE SQL
COMMENT = 'Parse, validate, dedupe and route new sensor readings into Silver'
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
    INSERT INTO {{ database }}.SILVER.IOT_WORK (
        RUN_ID, RECORD_SEQ, RECORD_HASH, RECORD_CONTENT, RECORD_METADATA, TRANSFORM_STATUS, TRANSFORM_ERRORS,
        IS_FIRST_COPY, ALREADY_SEEN, SENSOR_ID, STORE_ID, MEASURE, VALUE_TEXT, READING_VALUE, UNIT, EVENT_TS_TEXT, EVENT_TS,
        EVENT_TS_UTC, KINESIS_SHARD_ID, KINESIS_SEQUENCE_NUMBER, KINESIS_ARRIVAL_AT, INGESTED_AT
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
        parsed.SENSOR_ID,
        parsed.STORE_ID,
        parsed.MEASURE,
        parsed.VALUE_TEXT,
        TRY_TO_DECIMAL(parsed.VALUE_TEXT, 12, 3) AS READING_VALUE,
        parsed.UNIT,
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
                NULLIF(TRIM(bronze.RECORD_CONTENT:payload:sensor_id::STRING), '') AS SENSOR_ID,
                NULLIF(TRIM(bronze.RECORD_CONTENT:payload:store_id::STRING), '') AS STORE_ID,
                bronze.RECORD_CONTENT:payload:measure::STRING AS MEASURE,
                NULLIF(TRIM(bronze.RECORD_CONTENT:payload:value::STRING), '') AS VALUE_TEXT,
                bronze.RECORD_CONTENT:payload:unit::STRING AS UNIT,
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
            FROM {{ database }}.BRONZE.JSON_RAW_DATA_IOT_STREAM AS bronze
            WHERE bronze.RECORD_CONTENT:meta:schema::STRING = 'iot.v1'
        ) AS extracted
    ) AS parsed
    LEFT OUTER JOIN (
        SELECT DISTINCT CONTENT_HASH FROM {{ database }}.SILVER.IOT_READINGS
    ) AS landed
        ON parsed.RECORD_HASH = landed.CONTENT_HASH
    LEFT OUTER JOIN (
        SELECT DISTINCT RECORD_HASH FROM {{ database }}.SILVER.IOT_REJECTED
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
    FROM {{ database }}.SILVER.IOT_WORK AS work
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
        AND COALESCE(work.TRANSFORM_STATUS, '') <> 'valid'
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'INVALID_TYPE' AS RULE_ID,
        'timestamp: not an ISO-8601 timestamp with a UTC offset' AS DETAIL
    FROM {{ database }}.SILVER.IOT_WORK AS work
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
        AND work.TRANSFORM_STATUS = 'valid' AND work.EVENT_TS IS NULL
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'INVALID_TYPE' AS RULE_ID,
        'value: not a NUMBER(12,3)' AS DETAIL
    FROM {{ database }}.SILVER.IOT_WORK AS work
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
        AND work.TRANSFORM_STATUS = 'valid' AND work.READING_VALUE IS NULL
    UNION ALL
    -- Physical ranges: a door counter counts whole visitors (at most 10000 between two readings);
    -- a fridge's probe reads between -40 and 40 degrees Celsius (beyond that the probe is broken).
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'VALUE_OUT_OF_RANGE' AS RULE_ID,
        work.MEASURE || ' ' || LEFT(work.VALUE_TEXT, 32) || ' is outside '
        || IFF(work.MEASURE = 'door_count', 'whole numbers 0..10000', '-40..40') AS DETAIL
    FROM {{ database }}.SILVER.IOT_WORK AS work
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
        AND work.TRANSFORM_STATUS = 'valid' AND work.READING_VALUE IS NOT NULL
        AND (
            (work.MEASURE = 'door_count' AND (work.READING_VALUE < 0 OR work.READING_VALUE > 10000 OR work.READING_VALUE <> ROUND(work.READING_VALUE, 0)))
            OR (work.MEASURE = 'fridge_temp_c' AND (work.READING_VALUE < -40 OR work.READING_VALUE > 40))
        )
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'UNIT_MISMATCH' AS RULE_ID,
        work.MEASURE || ' is measured in ' || IFF(work.MEASURE = 'door_count', 'count', 'C') || ', not '
        || LEFT(work.UNIT, 16) AS DETAIL
    FROM {{ database }}.SILVER.IOT_WORK AS work
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
        AND work.TRANSFORM_STATUS = 'valid'
        AND work.UNIT <> IFF(work.MEASURE = 'door_count', 'count', 'C')
    UNION ALL
    SELECT
        work.RUN_ID,
        work.RECORD_SEQ,
        'UNKNOWN_STORE' AS RULE_ID,
        'store_id ' || LEFT(work.STORE_ID, 64) || ' is not in DIM_STORE' AS DETAIL
    FROM {{ database }}.SILVER.IOT_WORK AS work
    LEFT OUTER JOIN {{ database }}.SILVER.DIM_STORE AS store
        ON work.STORE_ID = store.STORE_ID
    WHERE
        work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
        AND work.TRANSFORM_STATUS = 'valid' AND store.STORE_ID IS NULL;

    -- The key (sensor, measure, time): taken before (by another record) or by an earlier record of
    -- this run that passes every rule.
    INSERT INTO {{ database }}.SILVER.EVENT_WORK_FAILURE (RUN_ID, RECORD_SEQ, RULE_ID, DETAIL)
    SELECT
        candidate.RUN_ID,
        candidate.RECORD_SEQ,
        'READING_CONFLICT' AS RULE_ID,
        'sensor ' || LEFT(candidate.SENSOR_ID, 64) || ' ' || candidate.MEASURE || ' at '
        || TO_VARCHAR(candidate.EVENT_TS_UTC) || ' UTC already accepted with other content' AS DETAIL
    FROM (
        SELECT
            work.RUN_ID,
            work.RECORD_SEQ,
            work.SENSOR_ID,
            work.MEASURE,
            work.EVENT_TS_UTC,
            accepted.SENSOR_ID IS NOT NULL AS KEY_TAKEN,
            ROW_NUMBER() OVER (
                PARTITION BY work.SENSOR_ID, work.MEASURE, work.EVENT_TS_UTC ORDER BY work.RECORD_SEQ
            ) AS KEY_RANK
        FROM {{ database }}.SILVER.IOT_WORK AS work
        LEFT OUTER JOIN {{ database }}.SILVER.IOT_READINGS AS accepted
            ON
                work.SENSOR_ID = accepted.SENSOR_ID
                AND work.MEASURE = accepted.MEASURE
                AND work.EVENT_TS_UTC = accepted.EVENT_TS_UTC
        WHERE
            work.RUN_ID = :run_id AND work.IS_FIRST_COPY AND NOT work.ALREADY_SEEN
            AND work.RECORD_SEQ NOT IN (
                SELECT failure.RECORD_SEQ FROM {{ database }}.SILVER.EVENT_WORK_FAILURE AS failure
                WHERE failure.RUN_ID = :run_id
            )
    ) AS candidate
    WHERE candidate.KEY_TAKEN OR candidate.KEY_RANK > 1;

    INSERT INTO {{ database }}.SILVER.IOT_REJECTED (
        RECORD_HASH, RECORD_CONTENT, RECORD_METADATA, SENSOR_ID, FAILED_RULES, FAILED_RULE_COUNT, STAGE,
        KINESIS_SHARD_ID, KINESIS_SEQUENCE_NUMBER, REJECTED_AT, RUN_ID
    )
    SELECT
        work.RECORD_HASH,
        work.RECORD_CONTENT,
        work.RECORD_METADATA,
        work.SENSOR_ID,
        failure.FAILED_RULES,
        failure.FAILED_RULE_COUNT,
        'SILVER.PROCESS_RAW_IOT' AS STAGE,
        work.KINESIS_SHARD_ID,
        work.KINESIS_SEQUENCE_NUMBER,
        CURRENT_TIMESTAMP() AS REJECTED_AT,
        work.RUN_ID
    FROM {{ database }}.SILVER.IOT_WORK AS work
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

    INSERT INTO {{ database }}.SILVER.IOT_READINGS (
        SENSOR_ID, STORE_ID, MEASURE, READING_VALUE, UNIT, EVENT_TS, EVENT_TS_UTC, CONTENT_HASH, KINESIS_SHARD_ID,
        KINESIS_SEQUENCE_NUMBER, KINESIS_ARRIVAL_AT, INGESTED_AT, PROCESSED_AT, RUN_ID
    )
    SELECT
        work.SENSOR_ID,
        work.STORE_ID,
        work.MEASURE,
        work.READING_VALUE,
        work.UNIT,
        work.EVENT_TS,
        work.EVENT_TS_UTC,
        work.RECORD_HASH AS CONTENT_HASH,
        work.KINESIS_SHARD_ID,
        work.KINESIS_SEQUENCE_NUMBER,
        work.KINESIS_ARRIVAL_AT,
        work.INGESTED_AT,
        CURRENT_TIMESTAMP() AS PROCESSED_AT,
        work.RUN_ID
    FROM {{ database }}.SILVER.IOT_WORK AS work
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
        'SILVER.PROCESS_RAW_IOT',
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
    DELETE FROM {{ database }}.SILVER.IOT_WORK WHERE RUN_ID = :run_id;

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
            'SILVER.PROCESS_RAW_IOT',
            :started_at,
            CURRENT_TIMESTAMP(),
            DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
            'FAILED',
            LEFT(:error_message, 4000),
            :error_sqlstate;
        RAISE;
END;
$$;

GRANT OWNERSHIP ON PROCEDURE {{ database }}.SILVER.PROCESS_RAW_IOT() TO ROLE {{ transform_role }} COPY CURRENT GRANTS;

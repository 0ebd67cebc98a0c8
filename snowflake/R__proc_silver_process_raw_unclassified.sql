-- Bronze -> SILVER.UNCLASSIFIED_REJECTED: the records of no known kind (meta.schema 'unknown', or a
-- value no procedure of this Silver takes), in one transaction per run over its own Bronze stream.
-- They are nobody's bad sales: each distinct record (RECORD_HASH) is dead-lettered once with its
-- reason (UNKNOWN_KIND and what the transform said); a copy is a DUPLICATE with no effect. Which
-- records are "known" is the complement of the kinds' procedures' filters: pos.v1 (or no
-- meta.schema, as before there were kinds), clickstream.v1, iot.v1, app_log.v1, cdc.v1.
CREATE OR REPLACE PROCEDURE {{ database }}.SILVER.PROCESS_RAW_UNCLASSIFIED()
RETURNS VARIANT
LANGUAGE SQL
COMMENT = 'Dead-letter new Bronze records of no known kind'
EXECUTE AS OWNER
AS
$$
DECLARE
    run_id VARCHAR DEFAULT UUID_STRING();
    started_at TIMESTAMP_TZ DEFAULT CURRENT_TIMESTAMP();
    source_rows_seen NUMBER DEFAULT NULL;
    rows_read NUMBER DEFAULT 0;
    rows_rejected NUMBER DEFAULT 0;
    error_message VARCHAR DEFAULT '';
    error_sqlstate VARCHAR DEFAULT '';
BEGIN
    BEGIN TRANSACTION;

    source_rows_seen := (SELECT COUNT(*) FROM {{ database }}.BRONZE.JSON_RAW_DATA);
    -- Inside the transaction every read of the stream sees the same rows (repeatable read).
    rows_read := (
        SELECT COUNT(*)
        FROM {{ database }}.BRONZE.JSON_RAW_DATA_UNCLASSIFIED_STREAM AS bronze
        WHERE
            COALESCE(bronze.RECORD_CONTENT:meta:schema::STRING, 'pos.v1')
            NOT IN ('pos.v1', 'clickstream.v1', 'iot.v1', 'app_log.v1', 'cdc.v1')
    );

    -- The DML that consumes the stream (at COMMIT).
    INSERT INTO {{ database }}.SILVER.UNCLASSIFIED_REJECTED (
        RECORD_HASH, RECORD_CONTENT, RECORD_METADATA, SCHEMA_TAG, FAILED_RULES, FAILED_RULE_COUNT, STAGE,
        KINESIS_SHARD_ID, KINESIS_SEQUENCE_NUMBER, REJECTED_AT, RUN_ID
    )
    -- One row per distinct record (COPY_RANK = 1): the aggregate only builds the one-rule array.
    SELECT
        delta.RECORD_HASH,
        ANY_VALUE(delta.RECORD_CONTENT) AS RECORD_CONTENT,
        ANY_VALUE(delta.RECORD_METADATA) AS RECORD_METADATA,
        ANY_VALUE(delta.SCHEMA_TAG) AS SCHEMA_TAG,
        ARRAY_AGG(
            OBJECT_CONSTRUCT(
                'rule_id', 'UNKNOWN_KIND',
                'detail', 'meta.schema=' || COALESCE(delta.SCHEMA_TAG, 'missing') || '; schema_version='
                || COALESCE(LEFT(delta.RECORD_CONTENT:payload:schema_version::STRING, 64), 'missing') || '; errors='
                || COALESCE(TO_JSON(delta.RECORD_CONTENT:meta:errors), '[]')
            )
        ) AS FAILED_RULES,
        1 AS FAILED_RULE_COUNT,
        'SILVER.PROCESS_RAW_UNCLASSIFIED' AS STAGE,
        ANY_VALUE(delta.KINESIS_SHARD_ID) AS KINESIS_SHARD_ID,
        ANY_VALUE(delta.KINESIS_SEQUENCE_NUMBER) AS KINESIS_SEQUENCE_NUMBER,
        CURRENT_TIMESTAMP() AS REJECTED_AT,
        :run_id AS RUN_ID
    FROM (
        SELECT
            bronze.RECORD_CONTENT,
            bronze.RECORD_METADATA,
            bronze.RECORD_CONTENT:meta:schema::STRING AS SCHEMA_TAG,
            COALESCE(
                IFF(
                    REGEXP_LIKE(bronze.RECORD_CONTENT:meta:content_sha256::STRING, '^[0-9a-f]{64}$'),
                    bronze.RECORD_CONTENT:meta:content_sha256::STRING,
                    NULL
                ),
                SHA2(COALESCE(TO_JSON(bronze.RECORD_CONTENT), 'null'), 256)
            ) AS RECORD_HASH,
            COALESCE(
                bronze.RECORD_METADATA:kinesisShardId::STRING,
                bronze.RECORD_CONTENT:meta:kinesis:shard::STRING
            ) AS KINESIS_SHARD_ID,
            COALESCE(
                bronze.RECORD_METADATA:kinesisSequenceNumber::STRING,
                bronze.RECORD_CONTENT:meta:kinesis:seq::STRING
            ) AS KINESIS_SEQUENCE_NUMBER,
            ROW_NUMBER() OVER (
                PARTITION BY
                    COALESCE(
                        IFF(
                            REGEXP_LIKE(bronze.RECORD_CONTENT:meta:content_sha256::STRING, '^[0-9a-f]{64}$'),
                            bronze.RECORD_CONTENT:meta:content_sha256::STRING,
                            NULL
                        ),
                        SHA2(COALESCE(TO_JSON(bronze.RECORD_CONTENT), 'null'), 256)
                    )
                ORDER BY
                    bronze.RECORD_METADATA:kinesisShardId::STRING,
                    LPAD(bronze.RECORD_METADATA:kinesisSequenceNumber::STRING, 64, '0')
            ) AS COPY_RANK
        FROM {{ database }}.BRONZE.JSON_RAW_DATA_UNCLASSIFIED_STREAM AS bronze
        WHERE
            COALESCE(bronze.RECORD_CONTENT:meta:schema::STRING, 'pos.v1')
            NOT IN ('pos.v1', 'clickstream.v1', 'iot.v1', 'app_log.v1', 'cdc.v1')
    ) AS delta
    LEFT OUTER JOIN (
        SELECT DISTINCT RECORD_HASH FROM {{ database }}.SILVER.UNCLASSIFIED_REJECTED
    ) AS seen
        ON delta.RECORD_HASH = seen.RECORD_HASH
    WHERE delta.COPY_RANK = 1 AND seen.RECORD_HASH IS NULL
    GROUP BY delta.RECORD_HASH;
    rows_rejected := SQLROWCOUNT;

    INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
        RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ROWS_READ, ROWS_ACCEPTED,
        ROWS_REJECTED, ROWS_DUPLICATE, ROWS_WRITTEN, ERROR_MESSAGE, ERROR_SQLSTATE, SOURCE_ROWS_SEEN
    )
    SELECT
        :run_id,
        'SILVER.PROCESS_RAW_UNCLASSIFIED',
        :started_at,
        CURRENT_TIMESTAMP(),
        DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
        'SUCCEEDED',
        :rows_read,
        0,
        :rows_rejected,
        :rows_read - :rows_rejected,
        :rows_rejected,
        NULL,
        NULL,
        :source_rows_seen;

    COMMIT;
    RETURN OBJECT_CONSTRUCT('run_id', run_id, 'rows_read', rows_read, 'rows_rejected', rows_rejected);
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
            'SILVER.PROCESS_RAW_UNCLASSIFIED',
            :started_at,
            CURRENT_TIMESTAMP(),
            DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
            'FAILED',
            LEFT(:error_message, 4000),
            :error_sqlstate;
        RAISE;
END;
$$;

GRANT OWNERSHIP ON PROCEDURE {{ database }}.SILVER.PROCESS_RAW_UNCLASSIFIED() TO ROLE {{ transform_role }} COPY CURRENT GRANTS;

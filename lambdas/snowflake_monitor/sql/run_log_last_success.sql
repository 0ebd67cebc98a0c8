-- When each procedure last finished a successful run (UTC), over the whole run log.
SELECT
    PROCEDURE_NAME,
    MAX(CONVERT_TIMEZONE('UTC', FINISHED_AT)::TIMESTAMP_NTZ) AS LAST_SUCCESS_AT
FROM {{ database }}.OPS.PIPELINE_RUN_LOG
WHERE STATUS = 'SUCCEEDED'
GROUP BY PROCEDURE_NAME

-- Start and finish of every successful procedure run.
SELECT
    RUN_ID,
    PROCEDURE_NAME,
    STARTED_AT,
    FINISHED_AT
FROM {{ database }}.OPS.PIPELINE_RUN_LOG
WHERE STATUS = 'SUCCEEDED'

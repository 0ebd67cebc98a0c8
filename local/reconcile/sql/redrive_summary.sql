-- Dead-letter redrives (SILVER.REDRIVE_REJECTED): records sent back from REJECTED, how many of
-- those PROCESS_RAW_POS has decided, and how many records ended in Silver after one. A record is
-- counted once, in its final place: one accepted on its second attempt is in Silver, not REJECTED.
SELECT
    (SELECT COUNT(*) FROM {{ database }}.SILVER.RETAIL_POS_REDRIVE) AS SENT_BACK,
    (SELECT COUNT(*) FROM {{ database }}.SILVER.RETAIL_POS_REDRIVE_OUTCOME) AS DECIDED,
    (
        SELECT COUNT(DISTINCT RECORD_HASH)
        FROM {{ database }}.SILVER.RETAIL_POS_REDRIVE_OUTCOME
        WHERE OUTCOME = 'ACCEPTED'
    ) AS ACCEPTED_AFTER_REDRIVE

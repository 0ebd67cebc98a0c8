-- A queued record that was sent back from the dead letter carries its redrive (NULL for a record
-- taken from the Bronze stream), so the run that decides it can write the outcome.
ALTER TABLE {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE
ADD COLUMN IF NOT EXISTS REDRIVE_ID VARCHAR(36) COMMENT 'SILVER.RETAIL_POS_REDRIVE.REDRIVE_ID when sent back';

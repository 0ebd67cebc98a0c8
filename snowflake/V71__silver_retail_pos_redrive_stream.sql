-- Read only by SILVER.PROCESS_RAW_POS, in the same statement that reads the Bronze stream: sent
-- back records join the queue exactly as new Bronze records do.
CREATE STREAM IF NOT EXISTS {{ database }}.SILVER.RETAIL_POS_REDRIVE_STREAM
ON TABLE {{ database }}.SILVER.RETAIL_POS_REDRIVE
APPEND_ONLY = TRUE
COMMENT = 'Sent back records not yet taken into PROCESS_RAW_POS_QUEUE';

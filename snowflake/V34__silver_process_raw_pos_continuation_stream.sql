-- Read only by SILVER.PROCESS_RAW_POS (consumed by each run; a run that leaves work adds a row).
CREATE STREAM IF NOT EXISTS {{ database }}.SILVER.PROCESS_RAW_POS_CONTINUATION_STREAM
ON TABLE {{ database }}.SILVER.PROCESS_RAW_POS_CONTINUATION
APPEND_ONLY = TRUE
COMMENT = 'Wakes PROCESS_RAW_POS_TASK while its queue holds records';

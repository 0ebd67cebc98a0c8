-- What PROCESS_RAW_POS (EXECUTE AS OWNER, owned by the transform role) needs on the objects of
-- V30-V36, table by table: read the currency dimension, look up and add transaction keys (MERGE
-- needs SELECT and INSERT), fill and drain its queue, signal and consume its continuation (a
-- stream is read with SELECT on the stream and on its source table).
GRANT SELECT ON TABLE {{ database }}.SILVER.DIM_CURRENCY TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.RETAIL_POS_TRANSACTION_KEY TO ROLE {{ transform_role }};

GRANT SELECT, INSERT, DELETE ON TABLE {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE
TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.PROCESS_RAW_POS_CONTINUATION
TO ROLE {{ transform_role }};

GRANT SELECT ON STREAM {{ database }}.SILVER.PROCESS_RAW_POS_CONTINUATION_STREAM
TO ROLE {{ transform_role }};

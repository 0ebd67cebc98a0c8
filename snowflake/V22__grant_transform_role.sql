-- What the procedures (EXECUTE AS OWNER) and the tasks (run as their owner) need, table by table.
-- EXECUTE TASK / EXECUTE MANAGED TASK are account privileges: granted once by the admin bootstrap.
GRANT USAGE ON DATABASE {{ database }} TO ROLE {{ transform_role }};

GRANT USAGE ON SCHEMA {{ database }}.BRONZE TO ROLE {{ transform_role }};

GRANT USAGE ON SCHEMA {{ database }}.SILVER TO ROLE {{ transform_role }};

GRANT USAGE ON SCHEMA {{ database }}.GOLD TO ROLE {{ transform_role }};

GRANT USAGE ON SCHEMA {{ database }}.OPS TO ROLE {{ transform_role }};

GRANT USAGE ON WAREHOUSE {{ warehouse }} TO ROLE {{ transform_role }};

GRANT SELECT ON TABLE {{ database }}.BRONZE.JSON_RAW_DATA TO ROLE {{ transform_role }};

GRANT SELECT ON STREAM {{ database }}.BRONZE.JSON_RAW_DATA_STREAM TO ROLE {{ transform_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.DQ_RULE TO ROLE {{ transform_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.DIM_STORE TO ROLE {{ transform_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.DIM_PRODUCT TO ROLE {{ transform_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.DIM_PAYMENT_METHOD TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.RETAIL_POS_PROCESSED TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.RETAIL_POS_REJECTED TO ROLE {{ transform_role }};

GRANT SELECT, INSERT, UPDATE ON TABLE {{ database }}.SILVER.INVENTORY TO ROLE {{ transform_role }};

GRANT SELECT, INSERT, DELETE ON TABLE {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD
TO ROLE {{ transform_role }};

GRANT SELECT, INSERT, DELETE ON TABLE {{ database }}.SILVER.PROCESS_RAW_POS_WORK_LINE
TO ROLE {{ transform_role }};

GRANT SELECT, INSERT, DELETE ON TABLE {{ database }}.SILVER.PROCESS_RAW_POS_WORK_FAILURE
TO ROLE {{ transform_role }};

GRANT SELECT, INSERT, DELETE ON TABLE {{ database }}.SILVER.PROCESS_RAW_POS_WORK_DECISION
TO ROLE {{ transform_role }};

GRANT SELECT ON STREAM {{ database }}.SILVER.PROCESSED_FOR_INVENTORY_STREAM
TO ROLE {{ transform_role }};

GRANT SELECT ON STREAM {{ database }}.SILVER.PROCESSED_FOR_GOLD_STREAM TO ROLE {{ transform_role }};

GRANT SELECT, INSERT, UPDATE ON TABLE {{ database }}.GOLD.DAILY_SALES_SUMMARY
TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.OPS.PIPELINE_RUN_LOG TO ROLE {{ transform_role }};

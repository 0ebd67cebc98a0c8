-- What the non-POS kinds' procedures (EXECUTE AS OWNER) and tasks need, object by object: each
-- reads its own Bronze stream, writes its Silver table and dead letter, and (CDC) applies changes to
-- the two dimensions it maintains.

GRANT SELECT ON STREAM {{ database }}.BRONZE.JSON_RAW_DATA_CLICKSTREAM_STREAM TO ROLE {{ transform_role }};

GRANT SELECT ON STREAM {{ database }}.BRONZE.JSON_RAW_DATA_IOT_STREAM TO ROLE {{ transform_role }};

GRANT SELECT ON STREAM {{ database }}.BRONZE.JSON_RAW_DATA_APP_LOG_STREAM TO ROLE {{ transform_role }};

GRANT SELECT ON STREAM {{ database }}.BRONZE.JSON_RAW_DATA_CDC_STREAM TO ROLE {{ transform_role }};

GRANT SELECT ON STREAM {{ database }}.BRONZE.JSON_RAW_DATA_UNCLASSIFIED_STREAM TO ROLE {{ transform_role }};

GRANT SELECT, INSERT, DELETE ON TABLE {{ database }}.SILVER.EVENT_WORK_FAILURE TO ROLE {{ transform_role }};

GRANT SELECT, INSERT, DELETE ON TABLE {{ database }}.SILVER.CLICKSTREAM_WORK TO ROLE {{ transform_role }};

GRANT SELECT, INSERT, DELETE ON TABLE {{ database }}.SILVER.IOT_WORK TO ROLE {{ transform_role }};

GRANT SELECT, INSERT, DELETE ON TABLE {{ database }}.SILVER.APP_LOG_WORK TO ROLE {{ transform_role }};

GRANT SELECT, INSERT, DELETE ON TABLE {{ database }}.SILVER.CDC_WORK TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.CLICKSTREAM_EVENTS TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.CLICKSTREAM_REJECTED TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.IOT_READINGS TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.IOT_REJECTED TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.APP_LOG_EVENTS TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.APP_LOG_REJECTED TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.DIM_CHANGE_LOG TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.CDC_REJECTED TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.UNCLASSIFIED_REJECTED TO ROLE {{ transform_role }};

GRANT INSERT, UPDATE, DELETE ON TABLE {{ database }}.SILVER.DIM_PRODUCT TO ROLE {{ transform_role }};

GRANT INSERT, UPDATE, DELETE ON TABLE {{ database }}.SILVER.DIM_STORE TO ROLE {{ transform_role }};

-- The Snowflake health monitor's read-only role (lambdas/snowflake_monitor): the run log, the
-- rejected records, MONITOR on the tasks and SELECT on the streams it counts (a SELECT never
-- consumes a stream; querying one needs SELECT on its source table too). No INSERT, UPDATE,
-- DELETE or OPERATE anywhere. Every statement is idempotent, so the script can be re-applied.
-- INFORMATION_SCHEMA.TASK_HISTORY: the function's page lists MONITOR or OPERATE on the task, the
-- task security page only OWNERSHIP or the global MONITOR EXECUTION; the role holds MONITOR on the
-- tasks (here) and MONITOR EXECUTION (account-level, granted by snowflake/admin/bootstrap.sql,
-- which also creates this role and grants it to the monitor's service user).
-- The FUTURE grants below are legal because the schemas are MANAGED ACCESS and owned by the deploy
-- role (in a standard schema they need the global MANAGE GRANTS).
CREATE ROLE IF NOT EXISTS {{ monitor_role }}
COMMENT = 'Read-only health monitor: run log, task history, stream backlog, rejects';

GRANT USAGE ON DATABASE {{ database }} TO ROLE {{ monitor_role }};

GRANT USAGE ON WAREHOUSE {{ warehouse }} TO ROLE {{ monitor_role }};

GRANT USAGE ON SCHEMA {{ database }}.BRONZE TO ROLE {{ monitor_role }};

GRANT USAGE ON SCHEMA {{ database }}.SILVER TO ROLE {{ monitor_role }};

GRANT USAGE ON SCHEMA {{ database }}.GOLD TO ROLE {{ monitor_role }};

GRANT USAGE ON SCHEMA {{ database }}.OPS TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.OPS.PIPELINE_RUN_LOG TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.RETAIL_POS_REJECTED TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.BRONZE.JSON_RAW_DATA TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.RETAIL_POS_PROCESSED TO ROLE {{ monitor_role }};

-- The scheduled canary (issue 12) runs as the monitor and checks its sales reached Gold.
GRANT SELECT ON TABLE {{ database }}.GOLD.DAILY_SALES_SUMMARY TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.CLICKSTREAM_EVENTS TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.IOT_READINGS TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.APP_LOG_EVENTS TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.DIM_CHANGE_LOG TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.CLICKSTREAM_REJECTED TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.IOT_REJECTED TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.APP_LOG_REJECTED TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.CDC_REJECTED TO ROLE {{ monitor_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.UNCLASSIFIED_REJECTED TO ROLE {{ monitor_role }};

GRANT SELECT ON STREAM {{ database }}.BRONZE.JSON_RAW_DATA_STREAM TO ROLE {{ monitor_role }};

-- Bronze records PROCESS_RAW_POS has taken from the stream and not processed yet still wait.
GRANT SELECT ON TABLE {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE TO ROLE {{ monitor_role }};

GRANT SELECT ON STREAM {{ database }}.SILVER.PROCESSED_FOR_INVENTORY_STREAM
TO ROLE {{ monitor_role }};

GRANT SELECT ON STREAM {{ database }}.SILVER.PROCESSED_FOR_GOLD_STREAM TO ROLE {{ monitor_role }};

-- The other kinds' Bronze streams (each task's backlog).
GRANT SELECT ON STREAM {{ database }}.BRONZE.JSON_RAW_DATA_CLICKSTREAM_STREAM TO ROLE {{ monitor_role }};

GRANT SELECT ON STREAM {{ database }}.BRONZE.JSON_RAW_DATA_IOT_STREAM TO ROLE {{ monitor_role }};

GRANT SELECT ON STREAM {{ database }}.BRONZE.JSON_RAW_DATA_APP_LOG_STREAM TO ROLE {{ monitor_role }};

GRANT SELECT ON STREAM {{ database }}.BRONZE.JSON_RAW_DATA_CDC_STREAM TO ROLE {{ monitor_role }};

GRANT SELECT ON STREAM {{ database }}.BRONZE.JSON_RAW_DATA_UNCLASSIFIED_STREAM TO ROLE {{ monitor_role }};

-- The tasks are re-created (CREATE OR REPLACE) whenever their script changes, which drops grants
-- on them: the FUTURE grants give every re-created task MONITOR again, the ALL grants cover the
-- tasks that exist now.
GRANT MONITOR ON FUTURE TASKS IN SCHEMA {{ database }}.SILVER TO ROLE {{ monitor_role }};

GRANT MONITOR ON FUTURE TASKS IN SCHEMA {{ database }}.GOLD TO ROLE {{ monitor_role }};

GRANT MONITOR ON ALL TASKS IN SCHEMA {{ database }}.SILVER TO ROLE {{ monitor_role }};

GRANT MONITOR ON ALL TASKS IN SCHEMA {{ database }}.GOLD TO ROLE {{ monitor_role }};

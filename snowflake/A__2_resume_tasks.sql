-- Resume the triggered tasks on every deploy (a recreated task is suspended; an auto-suspended one
-- needs a resume after the fix). Documented order: downstream consumers first, then the task that
-- feeds them, so no Silver rows are produced while their consumers are still suspended.
ALTER TASK {{ database }}.GOLD.UPDATE_DAILY_SUMMARY_TASK RESUME;

ALTER TASK {{ database }}.SILVER.UPDATE_INVENTORY_TASK RESUME;

ALTER TASK {{ database }}.SILVER.PROCESS_RAW_POS_TASK RESUME;

-- The other kinds' tasks have no downstream task (their Gold is views over Silver).
ALTER TASK {{ database }}.SILVER.PROCESS_RAW_CLICKSTREAM_TASK RESUME;

ALTER TASK {{ database }}.SILVER.PROCESS_RAW_IOT_TASK RESUME;

ALTER TASK {{ database }}.SILVER.PROCESS_RAW_APP_LOG_TASK RESUME;

ALTER TASK {{ database }}.SILVER.PROCESS_RAW_CDC_TASK RESUME;

ALTER TASK {{ database }}.SILVER.PROCESS_RAW_UNCLASSIFIED_TASK RESUME;

-- The automatic dead-letter redrive feeds PROCESS_RAW_POS: last, and only when the setting is on.
ALTER TASK {{ database }}.SILVER.REDRIVE_FIXED_DIMENSIONS_TASK {% if auto_redrive_dimension_rejects == "true" %}RESUME{% else %}SUSPEND{% endif %};

-- Tasks run on task_warehouse (empty = serverless): when it is not the pipeline warehouse V22
-- already granted, the transform role, which owns the tasks, needs USAGE on it too, or RESUME
-- fails ("When a task is resumed, Snowflake verifies that the task owner role has ... USAGE" on
-- the warehouse, docs.snowflake.com/en/user-guide/tasks-intro#running-tasks). Repeatable: it
-- re-applies when task_warehouse changes. Serverless tasks need EXECUTE MANAGED TASK instead
-- (admin bootstrap).
{% if task_warehouse and task_warehouse != warehouse %}
    GRANT USAGE ON WAREHOUSE {{ task_warehouse }} TO ROLE {{ transform_role }};
{% endif %}

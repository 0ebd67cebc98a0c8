-- One-time admin bootstrap: run by a person holding ACCOUNTADMIN, before the first deploy (and again
-- after upgrading this file; every statement is idempotent). Everything later is a script in
-- snowflake/, applied by the deploy user with the deploy role, never as an administrator.
-- Render it with your names: python -m lambdas.snowflake_migrations.cli bootstrap-sql [--<name> ...]
-- The local warehouse runs this same file as ACCOUNTADMIN before the migrations.

-- Compute and storage, in the SYSADMIN tree ("SYSADMIN ... has privileges to create warehouses,
-- databases"). The schemas are MANAGED ACCESS: only their owner, the deploy role, grants on what
-- they contain, future grants included (docs/snowflake.md, "D1").
USE ROLE SYSADMIN;

CREATE WAREHOUSE IF NOT EXISTS {{ warehouse }}
WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE
COMMENT = 'Pipeline: tasks, migrations, health monitor';
{% if task_warehouse and task_warehouse != warehouse %}
    CREATE WAREHOUSE IF NOT EXISTS {{ task_warehouse }}
    WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE
    COMMENT = 'Pipeline tasks';
{% endif %}
-- Streamlit keeps its warehouse awake while viewers are connected: a separate extra-small one
-- with a short auto-suspend, so dashboards never keep the pipeline's warehouse running.
CREATE WAREHOUSE IF NOT EXISTS {{ dashboard_warehouse }}
WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE
COMMENT = 'Dashboards only';

CREATE DATABASE IF NOT EXISTS {{ database }};

CREATE SCHEMA IF NOT EXISTS {{ database }}.BRONZE WITH MANAGED ACCESS;

CREATE SCHEMA IF NOT EXISTS {{ database }}.SILVER WITH MANAGED ACCESS;

CREATE SCHEMA IF NOT EXISTS {{ database }}.GOLD WITH MANAGED ACCESS;

CREATE SCHEMA IF NOT EXISTS {{ database }}.OPS WITH MANAGED ACCESS;

-- Roles and service users ("USERADMIN ... Can create users and roles in the account").
-- TYPE = SERVICE: key-pair login only, no password, no MFA. One role each, no secondary roles.
USE ROLE USERADMIN;

CREATE ROLE IF NOT EXISTS {{ deploy_role }} COMMENT = 'Applies snowflake/; owns the pipeline objects';

CREATE ROLE IF NOT EXISTS {{ ingest_role }} COMMENT = 'Firehose: INSERT into BRONZE.JSON_RAW_DATA only';

CREATE ROLE IF NOT EXISTS {{ transform_role }} COMMENT = 'Owns and runs the procedures and tasks';

CREATE ROLE IF NOT EXISTS {{ dashboard_role }} COMMENT = 'Read-only dashboards';

CREATE ROLE IF NOT EXISTS {{ monitor_role }} COMMENT = 'Read-only health monitor';

CREATE USER IF NOT EXISTS {{ deploy_user }}
    TYPE = SERVICE DEFAULT_ROLE = {{ deploy_role }}
    DEFAULT_WAREHOUSE = {{ warehouse }} DEFAULT_SECONDARY_ROLES = ()
    COMMENT = 'Applies snowflake/ (CloudFormation custom resource)';

CREATE USER IF NOT EXISTS {{ firehose_user }}
    TYPE = SERVICE DEFAULT_SECONDARY_ROLES = ()
    COMMENT = 'Firehose -> Bronze';

CREATE USER IF NOT EXISTS {{ monitor_user }}
    TYPE = SERVICE DEFAULT_ROLE = {{ monitor_role }}
    DEFAULT_WAREHOUSE = {{ warehouse }} DEFAULT_SECONDARY_ROLES = ()
    COMMENT = 'Snowflake health monitor Lambda';

CREATE USER IF NOT EXISTS {{ dashboard_user }}
    TYPE = SERVICE DEFAULT_ROLE = {{ dashboard_role }}
    DEFAULT_WAREHOUSE = {{ dashboard_warehouse }} DEFAULT_SECONDARY_ROLES = ()
    COMMENT = 'Streamlit dashboards';

-- The deploy role owns what the migrations grant from: the database, the managed access schemas
-- (their owner grants on their objects, future grants included), the pipeline warehouse, the
-- functional roles (so it may grant them) and the Firehose user (V21 sets its default role).
USE ROLE SECURITYADMIN;

GRANT ROLE {{ deploy_role }} TO ROLE SYSADMIN;

GRANT ROLE {{ deploy_role }} TO USER {{ deploy_user }};

-- Re-deploys CREATE OR REPLACE the procedures and tasks the transform role owns: that needs
-- OWNERSHIP of them, which the deploy role holds through this grant. It also makes the transform
-- role "a subordinate role of the schema owner", the only kind that may own objects in a managed
-- access schema, and lets GRANT OWNERSHIP ... COPY CURRENT GRANTS hand objects to it.
GRANT ROLE {{ transform_role }} TO ROLE {{ deploy_role }};

GRANT ROLE {{ monitor_role }} TO USER {{ monitor_user }};

GRANT ROLE {{ dashboard_role }} TO USER {{ dashboard_user }};

GRANT OWNERSHIP ON DATABASE {{ database }} TO ROLE {{ deploy_role }} COPY CURRENT GRANTS;

GRANT OWNERSHIP ON SCHEMA {{ database }}.BRONZE TO ROLE {{ deploy_role }} COPY CURRENT GRANTS;

GRANT OWNERSHIP ON SCHEMA {{ database }}.SILVER TO ROLE {{ deploy_role }} COPY CURRENT GRANTS;

GRANT OWNERSHIP ON SCHEMA {{ database }}.GOLD TO ROLE {{ deploy_role }} COPY CURRENT GRANTS;

GRANT OWNERSHIP ON SCHEMA {{ database }}.OPS TO ROLE {{ deploy_role }} COPY CURRENT GRANTS;

GRANT OWNERSHIP ON WAREHOUSE {{ warehouse }} TO ROLE {{ deploy_role }} COPY CURRENT GRANTS;
{% if task_warehouse and task_warehouse != warehouse %}
    GRANT OWNERSHIP ON WAREHOUSE {{ task_warehouse }} TO ROLE {{ deploy_role }} COPY CURRENT GRANTS;
{% endif %}
GRANT OWNERSHIP ON ROLE {{ ingest_role }} TO ROLE {{ deploy_role }} COPY CURRENT GRANTS;

GRANT OWNERSHIP ON ROLE {{ transform_role }} TO ROLE {{ deploy_role }} COPY CURRENT GRANTS;

GRANT OWNERSHIP ON ROLE {{ dashboard_role }} TO ROLE {{ deploy_role }} COPY CURRENT GRANTS;

GRANT OWNERSHIP ON ROLE {{ monitor_role }} TO ROLE {{ deploy_role }} COPY CURRENT GRANTS;

GRANT OWNERSHIP ON USER {{ firehose_user }} TO ROLE {{ deploy_role }} COPY CURRENT GRANTS;

GRANT USAGE ON WAREHOUSE {{ dashboard_warehouse }} TO ROLE {{ dashboard_role }};

-- Account-level privileges, granted as ACCOUNTADMIN as Snowflake's own examples do ("Set the
-- active role to ACCOUNTADMIN before granting the account-level privileges"): as SECURITYADMIN
-- such a GRANT can answer "Grant not executed: Insufficient privileges." without failing.
USE ROLE ACCOUNTADMIN;

-- Accounts first deployed before this file have standard schemas (V2): make them managed. Needs
-- the schema owner (or a higher role) holding MANAGE GRANTS, and no open future grants.
ALTER SCHEMA {{ database }}.BRONZE ENABLE MANAGED ACCESS;

ALTER SCHEMA {{ database }}.SILVER ENABLE MANAGED ACCESS;

ALTER SCHEMA {{ database }}.GOLD ENABLE MANAGED ACCESS;

ALTER SCHEMA {{ database }}.OPS ENABLE MANAGED ACCESS;

-- V1 and R__ops_monitor_role run CREATE ROLE IF NOT EXISTS, which needs CREATE ROLE even when the
-- role exists.
GRANT CREATE ROLE ON ACCOUNT TO ROLE {{ deploy_role }};

-- Task owners need EXECUTE TASK to run (and to be resumed), EXECUTE MANAGED TASK when serverless.
GRANT EXECUTE TASK ON ACCOUNT TO ROLE {{ transform_role }};

GRANT EXECUTE MANAGED TASK ON ACCOUNT TO ROLE {{ transform_role }};

-- INFORMATION_SCHEMA.TASK_HISTORY: the task pages disagree on MONITOR on the task versus global
-- MONITOR EXECUTION; the monitor holds both (MONITOR on the tasks: R__ops_monitor_role.sql).
GRANT MONITOR EXECUTION ON ACCOUNT TO ROLE {{ monitor_role }};

-- Cost guardrails ("This command can only be executed by account administrators"). Resource
-- monitors see warehouses only: serverless tasks are not covered (docs/snowflake.md, cost model).
CREATE RESOURCE MONITOR IF NOT EXISTS {{ pipeline_monitor }} WITH
CREDIT_QUOTA = {{ pipeline_daily_credits }} FREQUENCY = DAILY START_TIMESTAMP = IMMEDIATELY
TRIGGERS ON 80 PERCENT DO NOTIFY ON 100 PERCENT DO SUSPEND ON 110 PERCENT DO SUSPEND_IMMEDIATE;

ALTER WAREHOUSE {{ warehouse }} SET RESOURCE_MONITOR = {{ pipeline_monitor }};
{% if task_warehouse and task_warehouse != warehouse %}
    ALTER WAREHOUSE {{ task_warehouse }} SET RESOURCE_MONITOR = {{ pipeline_monitor }};
{% endif %}
CREATE RESOURCE MONITOR IF NOT EXISTS {{ dashboard_monitor }} WITH
CREDIT_QUOTA = {{ dashboard_daily_credits }} FREQUENCY = DAILY START_TIMESTAMP = IMMEDIATELY
TRIGGERS ON 80 PERCENT DO NOTIFY ON 100 PERCENT DO SUSPEND;

ALTER WAREHOUSE {{ dashboard_warehouse }} SET RESOURCE_MONITOR = {{ dashboard_monitor }};

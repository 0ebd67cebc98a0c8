-- The pipeline's three functional roles. In production the admin bootstrap creates them first
-- (docs/snowflake.md); IF NOT EXISTS keeps this a no-op there and builds a fresh environment.
CREATE ROLE IF NOT EXISTS {{ ingest_role }}
COMMENT = 'Firehose (Snowpipe Streaming): INSERT into BRONZE.JSON_RAW_DATA only';

CREATE ROLE IF NOT EXISTS {{ transform_role }}
COMMENT = 'Owns and runs the pipeline procedures and tasks (Bronze to Silver to Gold)';

CREATE ROLE IF NOT EXISTS {{ dashboard_role }}
COMMENT = 'Read-only: Gold, the Silver tables the dashboards show, and the OPS run log';

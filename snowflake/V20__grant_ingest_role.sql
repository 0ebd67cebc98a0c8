-- Least privilege for Firehose (Snowpipe Streaming): USAGE on the database and BRONZE schema and
-- INSERT on the one Bronze table. No warehouse, no SELECT.
GRANT USAGE ON DATABASE {{ database }} TO ROLE {{ ingest_role }};

GRANT USAGE ON SCHEMA {{ database }}.BRONZE TO ROLE {{ ingest_role }};

GRANT INSERT ON TABLE {{ database }}.BRONZE.JSON_RAW_DATA TO ROLE {{ ingest_role }};

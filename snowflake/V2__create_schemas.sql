-- Medallion schemas plus OPS (run log, change history). All permanent: Snowpipe Streaming cannot
-- write into a transient schema, and Silver/Gold are the system of record for sales.
CREATE SCHEMA IF NOT EXISTS {{ database }}.BRONZE
COMMENT = 'Raw Firehose deliveries, never rewritten';

CREATE SCHEMA IF NOT EXISTS {{ database }}.SILVER
COMMENT = 'Validated line items, rejections, dimensions, inventory';

CREATE SCHEMA IF NOT EXISTS {{ database }}.GOLD
COMMENT = 'Business aggregates for the dashboards';

CREATE SCHEMA IF NOT EXISTS {{ database }}.OPS
COMMENT = 'Pipeline run log and schema change history';

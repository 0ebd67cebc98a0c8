-- Read-only dashboards: all of GOLD (now and future), the Silver tables the pages show, the run
-- log, and a warehouse to query with. Nothing in BRONZE, no work tables, no streams.
GRANT USAGE ON DATABASE {{ database }} TO ROLE {{ dashboard_role }};

GRANT USAGE ON WAREHOUSE {{ warehouse }} TO ROLE {{ dashboard_role }};

GRANT USAGE ON SCHEMA {{ database }}.GOLD TO ROLE {{ dashboard_role }};

GRANT USAGE ON SCHEMA {{ database }}.SILVER TO ROLE {{ dashboard_role }};

GRANT USAGE ON SCHEMA {{ database }}.OPS TO ROLE {{ dashboard_role }};

GRANT SELECT ON ALL TABLES IN SCHEMA {{ database }}.GOLD TO ROLE {{ dashboard_role }};

GRANT SELECT ON FUTURE TABLES IN SCHEMA {{ database }}.GOLD TO ROLE {{ dashboard_role }};

GRANT SELECT ON ALL VIEWS IN SCHEMA {{ database }}.GOLD TO ROLE {{ dashboard_role }};

GRANT SELECT ON FUTURE VIEWS IN SCHEMA {{ database }}.GOLD TO ROLE {{ dashboard_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.RETAIL_POS_PROCESSED TO ROLE {{ dashboard_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.RETAIL_POS_REJECTED TO ROLE {{ dashboard_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.INVENTORY TO ROLE {{ dashboard_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.DIM_STORE TO ROLE {{ dashboard_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.DIM_PRODUCT TO ROLE {{ dashboard_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.DIM_PAYMENT_METHOD TO ROLE {{ dashboard_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.DQ_RULE TO ROLE {{ dashboard_role }};

GRANT SELECT ON TABLE {{ database }}.OPS.PIPELINE_RUN_LOG TO ROLE {{ dashboard_role }};

-- What the redrive needs, table by table. SILVER.REDRIVE_REJECTED (EXECUTE AS OWNER, the transform
-- role) moves records from the dead letter into RETAIL_POS_REDRIVE (DELETE on REJECTED) and wakes
-- PROCESS_RAW_POS, which reads the redrive stream (SELECT on the stream and its source table) and
-- writes the outcomes. The dashboards and the monitor read the audit trail.
GRANT DELETE ON TABLE {{ database }}.SILVER.RETAIL_POS_REJECTED TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.RETAIL_POS_REDRIVE TO ROLE {{ transform_role }};

GRANT SELECT ON STREAM {{ database }}.SILVER.RETAIL_POS_REDRIVE_STREAM TO ROLE {{ transform_role }};

GRANT SELECT, INSERT ON TABLE {{ database }}.SILVER.RETAIL_POS_REDRIVE_OUTCOME TO ROLE {{ transform_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.RETAIL_POS_REDRIVE TO ROLE {{ dashboard_role }};

GRANT SELECT ON TABLE {{ database }}.SILVER.RETAIL_POS_REDRIVE_OUTCOME TO ROLE {{ dashboard_role }};

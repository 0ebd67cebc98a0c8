-- Firehose connects without naming a role, so the ingest role must be granted to its user AND be
-- that user's default role (otherwise delivery fails with Snowflake.DefaultRoleMissing).
GRANT ROLE {{ ingest_role }} TO USER {{ firehose_user }};

ALTER USER {{ firehose_user }} SET DEFAULT_ROLE = {{ ingest_role }};

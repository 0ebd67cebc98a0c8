-- The work set keeps both identities of a record: RECORD_HASH (meta.content_sha256 when the
-- transform sent it) and LEGACY_HASH (the SHA-256 of TO_JSON(payload) used before), so records
-- accepted or rejected before content_sha256 existed are still recognised when replayed.
ALTER TABLE {{ database }}.SILVER.PROCESS_RAW_POS_WORK_RECORD
ADD COLUMN IF NOT EXISTS LEGACY_HASH VARCHAR(64) COMMENT 'SHA-256 of TO_JSON(payload) (identity before content_sha256)';

-- Runs inside the consuming transaction, so the offset moves only if that transaction commits.
UPDATE {{ database }}._LOCAL.STREAMS
SET OFFSET_ROWID = ?
WHERE STREAM_NAME = ? AND OFFSET_ROWID < ?

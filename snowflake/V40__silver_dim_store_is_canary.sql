-- Marks the stores whose sales are synthetic: `pos verify` and the scheduled canary send their sales
-- to such a store (docs/verify.md). Gold keeps their rows (the canary checks its sales reached
-- Gold); the dashboards' business figures leave them out and SILVER.UPDATE_INVENTORY does not move
-- stock for them. NULL on the real stores, which the filters read as not a canary.
ALTER TABLE {{ database }}.SILVER.DIM_STORE
ADD COLUMN IF NOT EXISTS IS_CANARY BOOLEAN COMMENT 'TRUE: synthetic sales of pos verify and the canary';

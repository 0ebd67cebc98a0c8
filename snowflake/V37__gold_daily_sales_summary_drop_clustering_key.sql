-- V19 gave this table a clustering key. It holds one row per store and business date (a few
-- thousand rows a year), far below the size where clustering pays: "Clustering keys are not
-- intended or recommended for all tables; they typically benefit very large (that is,
-- multi-terabyte) tables" (ALTER TABLE, Clustering actions). Automatic Clustering would bill
-- credits for nothing.
ALTER TABLE {{ database }}.GOLD.DAILY_SALES_SUMMARY DROP CLUSTERING KEY;

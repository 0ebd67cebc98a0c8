-- Search optimization (Enterprise Edition or higher) on the columns PROCESS_RAW_POS looks up by
-- equality every run: transaction ids in the key table, record hashes in the dead letter. Those
-- lookups are joins with the run's few thousand keys on the small side, which search optimization
-- serves ("join queries that have a small number of distinct values on the build side of the
-- join", Speeding up join queries with search optimization) so a run reads micro-partitions that
-- may hold its keys instead of the whole history. On Standard Edition set search_optimization to
-- false: the lookups then scan the two narrow columns (cost model in docs/snowflake.md).
-- Re-applied only when this text or the setting changes; turning the setting off does not drop an
-- existing configuration: run ALTER TABLE ... DROP SEARCH OPTIMIZATION ON EQUALITY(...) to stop
-- paying for it. The deploy role owns both tables and their schema, as ADD SEARCH OPTIMIZATION
-- requires.
{% if search_optimization == "true" %}
    ALTER TABLE {{ database }}.SILVER.RETAIL_POS_TRANSACTION_KEY
    ADD SEARCH OPTIMIZATION ON EQUALITY (TRANSACTION_ID);

    ALTER TABLE {{ database }}.SILVER.RETAIL_POS_REJECTED
    ADD SEARCH OPTIMIZATION ON EQUALITY (RECORD_HASH);
{% endif %}

-- flatten_index_by_position: replaces fakesnow 0.12.1's _fs_flatten macro in one database.
-- fakesnow numbers array elements with row_number() OVER () - 1, an order DuckDB does not define
-- (it varies between runs and with parallelism). Snowflake's INDEX is the element's position in
-- the array, so take it from list_transform's 1-based element index instead. Everything else is
-- as fakesnow has it: SEQ (a hash of the input), KEY and PATH (key for objects, [i] for arrays),
-- VALUE (JSON), THIS (the input as JSON); INDEX is NULL for an object's members.
CREATE OR REPLACE MACRO {{ database }}._fs_flatten(input) AS TABLE
    SELECT
        hash(TO_JSON(input))::UBIGINT AS SEQ,
        e.k AS KEY,
        COALESCE(e.k, '[' || e.i || ']') AS PATH,
        e.i AS INDEX,
        e.v AS VALUE,
        TO_JSON(input) AS THIS
    FROM (
        SELECT UNNEST(
            CASE WHEN json_type(TO_JSON(input)) = 'OBJECT'
                THEN list_transform(
                    json_keys(TO_JSON(input)),
                    lambda x: struct_pack(
                        k := x, i := NULL::BIGINT, v := CAST(TO_JSON(input) -> x AS JSON)
                    )
                )
                ELSE list_transform(
                    CAST(TO_JSON(input) AS JSON[]),
                    lambda x, position: struct_pack(
                        k := NULL::VARCHAR, i := (position - 1)::BIGINT, v := x
                    )
                )
            END,
            recursive := true
        )
    ) AS e(k, i, v)

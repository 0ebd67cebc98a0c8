-- The rule catalog. Rule ids are a contract with RETAIL_POS_REJECTED.FAILED_RULES (and the other
-- kinds' dead letters') and the dashboards: add rules, never rename one. Upsert, so wording fixes re-apply.
MERGE INTO {{ database }}.SILVER.DQ_RULE AS TGT
USING (
    SELECT
        SEED_ROWS.RULE_ID,
        SEED_ROWS.DESCRIPTION,
        SEED_ROWS.SCOPE,
        SEED_ROWS.FAILURE_ACTION
    FROM (
        VALUES
        (
            'TRANSFORM_FLAGGED',
            'The transform flagged the record: meta.status is not valid (not_json, not_utf8, not_object, empty, too_large, or invalid per the pos.v1 model); detail carries the status and errors',
            'RECORD', 'REJECT'
        ),
        (
            'REQUIRED_FIELD_MISSING',
            'A required field is absent, JSON null or empty: payload, store_id, transaction_id, timestamp, items, total_amount, payment_method, refund.refund_amount, items[n].product_id/price/quantity',
            'TRANSACTION', 'REJECT'
        ),
        (
            'INVALID_TYPE',
            'A field does not parse as its type: money as a number that fits NUMBER(12,2), quantity as a number, canceled as a boolean (JSON null is not one), timestamps as ISO-8601 (YYYY-MM-DD, T or space, HH:MI[:SS[.fff]], Z, +hh:mm or +hhmm; refund.timestamp needs the offset), items as an array',
            'TRANSACTION', 'REJECT'
        ),
        (
            'AMOUNT_SCALE_NOT_ALLOWED',
            'A price, total_amount or refund.refund_amount has more decimals than its currency allows (ISO 4217 minor unit in SILVER.DIM_CURRENCY: USD 2, JPY 0) or than Silver money columns hold (2): rejected, never rounded',
            'TRANSACTION', 'REJECT'
        ),
        (
            'TIMESTAMP_WITHOUT_OFFSET',
            'timestamp parses but has no UTC offset (Z or +hh:mm), so the sale instant and business date are ambiguous',
            'TRANSACTION', 'REJECT'
        ),
        (
            'TIMESTAMP_IN_FUTURE',
            'timestamp is more than 10 minutes after the record reached Kinesis (or the transform)',
            'TRANSACTION', 'REJECT'
        ),
        ('ITEMS_EMPTY', 'items is an empty array', 'TRANSACTION', 'REJECT'),
        ('PRICE_NEGATIVE', 'An item price is below 0', 'LINE', 'REJECT'),
        (
            'QUANTITY_NOT_POSITIVE_INTEGER', 'An item quantity is not a whole number greater than 0',
            'LINE', 'REJECT'
        ),
        (
            'AMOUNT_OUT_OF_RANGE', 'price * quantity of a line does not fit NUMBER(12,2)',
            'LINE', 'REJECT'
        ),
        (
            'TOTAL_MISMATCH',
            'total_amount differs by more than 0.01 from the sum of price * quantity over non-canceled items',
            'TRANSACTION', 'REJECT'
        ),
        ('REFUND_NEGATIVE', 'refund.refund_amount is below 0', 'TRANSACTION', 'REJECT'),
        ('REFUND_EXCEEDS_TOTAL', 'refund.refund_amount is greater than total_amount', 'TRANSACTION', 'REJECT'),
        ('UNKNOWN_STORE', 'store_id is not in SILVER.DIM_STORE', 'TRANSACTION', 'REJECT'),
        ('UNKNOWN_PRODUCT', 'An item product_id is not in SILVER.DIM_PRODUCT', 'LINE', 'REJECT'),
        (
            'UNKNOWN_PAYMENT_METHOD', 'payment_method is not in SILVER.DIM_PAYMENT_METHOD',
            'TRANSACTION', 'REJECT'
        ),
        (
            'CURRENCY_MISMATCH', 'currency is present and differs from the store currency (DIM_STORE)',
            'TRANSACTION', 'REJECT'
        ),
        (
            'TRANSACTION_ID_CONFLICT',
            'transaction_id was already accepted with different content; the first accepted version stays',
            'TRANSACTION', 'REJECT'
        ),
        (
            'PRODUCT_REQUIRED',
            'clickstream.v1: a product_view or add_to_cart event without product_id (CLICKSTREAM_REJECTED)',
            'RECORD', 'REJECT'
        ),
        (
            'EVENT_ID_CONFLICT',
            'clickstream.v1 and app_log.v1: event_id was already accepted with different content; the first accepted version stays',
            'RECORD', 'REJECT'
        ),
        (
            'READING_CONFLICT',
            'iot.v1: a reading of the same sensor, measure and time was already accepted with a different value; the first stays',
            'RECORD', 'REJECT'
        ),
        (
            'VALUE_OUT_OF_RANGE',
            'iot.v1: the value is outside the physical range of the measure (door_count: whole numbers 0..10000; fridge_temp_c: -40..40)',
            'RECORD', 'REJECT'
        ),
        (
            'UNIT_MISMATCH',
            'iot.v1: the unit does not match the measure (door_count: count; fridge_temp_c: C)',
            'RECORD', 'REJECT'
        ),
        (
            'CDC_KEY_MISSING',
            'cdc.v1: the row image has no key (after.product_id / after.store_id, before.* for a delete)',
            'RECORD', 'REJECT'
        ),
        (
            'CDC_ROW_INVALID',
            'cdc.v1: the after image of a create, update or snapshot read lacks a dimension column or has an invalid value; detail names the column',
            'RECORD', 'REJECT'
        ),
        (
            'LSN_CONFLICT',
            'cdc.v1: another event with different content was already applied at this (table, source.lsn)',
            'RECORD', 'REJECT'
        ),
        (
            'UNKNOWN_KIND',
            'The record declares no kind this Silver knows (meta.schema unknown): dead-lettered in UNCLASSIFIED_REJECTED, never a bad sale',
            'RECORD', 'REJECT'
        )
    ) AS SEED_ROWS (RULE_ID, DESCRIPTION, SCOPE, FAILURE_ACTION)
) AS SRC
    ON TGT.RULE_ID = SRC.RULE_ID
WHEN MATCHED THEN
    UPDATE SET
        DESCRIPTION = SRC.DESCRIPTION,
        SCOPE = SRC.SCOPE,
        FAILURE_ACTION = SRC.FAILURE_ACTION
WHEN NOT MATCHED THEN
    INSERT (RULE_ID, DESCRIPTION, SCOPE, FAILURE_ACTION)
    VALUES (SRC.RULE_ID, SRC.DESCRIPTION, SRC.SCOPE, SRC.FAILURE_ACTION);

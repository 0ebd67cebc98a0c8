"""POS sale producer: deterministic pos.v1 generator, Kinesis put_records producer, replay."""

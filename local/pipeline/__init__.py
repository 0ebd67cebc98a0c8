"""Orchestration of a local end-to-end run: producer -> moto Kinesis -> Firehose worker ->
warehouse (Bronze -> Silver -> Gold), restartable after a kill, ending with a reconciliation."""

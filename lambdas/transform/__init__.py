"""Firehose data-transformation Lambda: tags each POS record and lightly validates it.

Entry point: ``lambdas.transform.handler.lambda_handler``. Output shape: docs/contracts.md.
"""

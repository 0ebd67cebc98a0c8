"""``app_log.v1``: one log line of a POS terminal's application (store, register, level, logger,
message). ``event_id`` is the line's business key (Silver dedupes on it)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, with_config
from typing_extensions import TypedDict

from lambdas.transform.model import KEEP_UNKNOWN_FIELDS, EventTime, Identifier, Name

SCHEMA_NAME = "app_log.v1"
MAX_MESSAGE_LENGTH = 4096

LogLevel = Literal["DEBUG", "INFO", "WARN", "ERROR", "FATAL"]


@with_config(KEEP_UNKNOWN_FIELDS)
class AppLogV1(TypedDict):
    schema_version: Literal["app_log.v1"]
    event_id: Identifier
    store_id: Identifier
    register_id: Identifier
    level: LogLevel
    logger: Name
    message: Annotated[str, Field(strict=True, max_length=MAX_MESSAGE_LENGTH)]
    timestamp: EventTime


APP_LOG_V1: TypeAdapter[AppLogV1] = TypeAdapter(AppLogV1)

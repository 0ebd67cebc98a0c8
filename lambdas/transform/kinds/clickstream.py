"""``clickstream.v1``: one web or app shop event (a page view, a product view, an add to cart or a
checkout) of a browsing session, optionally of a known customer.

``event_id`` is the event's business key (Silver dedupes on it); ``product_id`` is required for
the product events and checked in Snowflake (``PRODUCT_REQUIRED``), where rejections keep every
failed rule.
"""

from __future__ import annotations

from typing import Literal, NotRequired

from pydantic import TypeAdapter, with_config
from typing_extensions import TypedDict

from lambdas.transform.model import KEEP_UNKNOWN_FIELDS, EventTime, Identifier, Name

SCHEMA_NAME = "clickstream.v1"

ClickEventType = Literal["page_view", "product_view", "add_to_cart", "checkout"]


@with_config(KEEP_UNKNOWN_FIELDS)
class ClickstreamV1(TypedDict):
    schema_version: Literal["clickstream.v1"]
    event_id: Identifier
    session_id: Identifier
    event_type: ClickEventType
    timestamp: EventTime
    customer_id: NotRequired[Identifier | None]
    product_id: NotRequired[Identifier | None]
    page: NotRequired[Name | None]


CLICKSTREAM_V1: TypeAdapter[ClickstreamV1] = TypeAdapter(ClickstreamV1)

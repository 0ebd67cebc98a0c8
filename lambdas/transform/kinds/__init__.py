"""The event kinds the stream carries besides ``pos.v1`` sales: one Pydantic schema per kind and
version (``registry.py`` maps the ``schema_version`` value to its schema)."""

"""Session-wide test settings, set before any test module imports the transform handler.

Powertools reads its service name and metrics namespace when the handler module is first imported,
and several suites import it (transform, Snowflake scenarios, local pipeline, dashboards), so the
values cannot depend on which suite happens to run first.
"""

from __future__ import annotations

import os

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "pos-transform-test")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "RetailPosPipelineTest")
os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"

from tests import profiles

profiles.load()

#!/usr/bin/env python3
"""CDK entry point (``npx cdk synth|deploy`` runs it; settings: docs/deploy.md)."""

import sys

import aws_cdk as cdk

from stacks.application import build_app, project_context
from stacks.config import ConfigError

app = cdk.App(context=project_context())
try:
    build_app(app)
except ConfigError as error:
    # The message names each setting and how to fix it; a traceback would only bury it.
    sys.exit(f"error: {error}")
app.synth()

#!/usr/bin/env python3
"""CDK entry point (``npx cdk synth|deploy`` runs it; settings: docs/deploy.md)."""

import aws_cdk as cdk

from stacks.application import build_app, project_context

app = cdk.App(context=project_context())
build_app(app)
app.synth()

"""The local twin of a deployment, for ``pos verify --local``: the CDK app's synthesized template
provisioned into moto (``synth.py``, ``provision.py``), the local warehouse served over the
Snowflake connector protocol with its tasks running, and the local Firehose worker delivering the
twin's stream to it (``twin.py``)."""

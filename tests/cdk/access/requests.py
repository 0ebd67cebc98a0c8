"""Every request the deployed pipeline makes to AWS, and some it must never be able to make.

Each row names the caller (a role session, or a service principal), the action, one concrete
resource ARN in the format AWS uses for that request, the request context AWS supplies (TLS, the
calling service, the encryption context...), and every policy that applies: the caller's identity
policies, the resource's policy, and for KMS the key policy. The rows are read from the
synthesized template itself (which role a function runs as, which log group it writes to, which
topic each alarm notifies, what Firehose is configured to read and write), so a resource added to
the stack is covered without editing this table, and a wrong wiring shows as a denied row.

Request contexts follow the services' documentation:
- Lambda writes a function's logs with its execution role to streams named
  ``YYYY/MM/DD/[$LATEST]<id>`` in the function's log group (Lambda developer guide, "Sending Lambda
  function logs to CloudWatch Logs").
- Firehose reads the source stream with DescribeStream/GetShardIterator/GetRecords/ListShards,
  invokes the transform with InvokeFunction/GetFunctionConfiguration, writes failed records
  under ``processing-failed/`` and ``snowflake-failed/``
  (``<prefix>YYYY/MM/DD/HH/<name>-<n>-<time>-<id>``) and its errors to the configured log
  streams ("Controlling access with Amazon Data Firehose").
- KMS calls made by a service on a caller's behalf carry ``kms:ViaService`` and the service's
  encryption context: ``aws:kinesis:arn`` (Kinesis SSE), ``aws:s3:arn`` = the bucket ARN when an S3
  Bucket Key is used, ``SecretARN`` (Secrets Manager), ``aws:sns:topicArn`` (SNS SSE).
- CloudWatch publishes alarm notifications as ``cloudwatch.amazonaws.com`` with ``aws:SourceArn`` =
  the alarm's ARN and ``aws:SourceAccount`` (re:Post "cloudwatch-receive-sns-for-alarm-trigger").
- EventBridge invokes a target function as ``events.amazonaws.com`` with ``aws:SourceArn`` = the
  rule's ARN.
- Every call is made over TLS (``aws:SecureTransport`` = true) unless a row says otherwise.

Policies outside the template are stated, not guessed: the Snowflake secrets carry no resource
policy (docs/deploy.md creates them without one), and a customer-managed secrets key
(``secrets_kms_key_arn``) has the default key policy, which lets the account's IAM policies decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.cdk.access.template import DeployedTemplate, PolicyDocument

ALLOWED = "Allowed"
DENIED = "Denied"  # implicitly or explicitly
EXPLICITLY_DENIED = "ExplicitlyDenied"

# A log stream as Lambda names it: date, version qualifier, instance id.
LAMBDA_LOG_STREAM = "2026/12/02/[$LATEST]0a1b2c3d4e5f60718293a4b5c6d7e8f9"
SECRET_VERSION_ID = "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE"
# Firehose's error objects end in a random id.
OBJECT_ID = "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"


@dataclass(frozen=True)
class Caller:
    label: str
    principal: str  # a role session ARN or a service principal
    role_id: str | None = None  # the role whose identity policies apply


@dataclass(frozen=True)
class AccessRequest:
    name: str
    caller: Caller
    action: str
    resource: str
    expected: str
    resource_policy: PolicyDocument | None = None
    context: dict[str, str | list[str]] = field(default_factory=dict)

    def simulation(self, deployed: DeployedTemplate) -> dict[str, Any]:
        identity = (
            [
                {"name": name, "policy": document}
                for name, document in deployed.identity_policies(self.caller.role_id)
            ]
            if self.caller.role_id
            else []
        )
        simulation: dict[str, Any] = {
            "request": {
                "principal": self.caller.principal,
                "action": self.action,
                "resource": {"resource": self.resource, "accountId": deployed.env.account},
                "contextVariables": {"aws:SecureTransport": "true", **self.context},
            },
            "identityPolicies": identity,
            "serviceControlPolicies": [],
            "resourceControlPolicies": [],
        }
        if self.resource_policy is not None:
            simulation["resourcePolicy"] = self.resource_policy
        return simulation

    def row(self) -> str:
        return f"{self.caller.label:<22} {self.action:<32} {self.resource}"


def default_key_policy(account: str, partition: str = "aws") -> PolicyDocument:
    """KMS's default key policy: the account's IAM policies decide (KMS developer guide)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


class AccessTable:
    """Builds the rows from the deployed template and the deployment's secret settings."""

    def __init__(
        self,
        deployed: DeployedTemplate,
        *,
        secrets_kms_key_arn: str | None,
    ) -> None:
        self.d = deployed
        self.env = deployed.env
        self.secrets_kms_key_arn = secrets_kms_key_arn
        self._arn_index = self._index_arns()

    # --- lookups ------------------------------------------------------------------------------
    def _index_arns(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for logical_id in self.d.resources:
            try:
                index[self.d.get_att(logical_id, "Arn")] = logical_id
            except Exception:  # resources without an Arn attribute
                continue
        return index

    def id_of(self, arn: str) -> str:
        return self._arn_index[arn]

    def function_caller(self, function_id: str, label: str) -> Caller:
        props = self.d.resolve(self.d.resources[function_id]["Properties"])
        role_id = self.id_of(props["Role"])
        role_name = self.d.physical_name(role_id)
        session = self.d.physical_name(function_id)
        return Caller(
            label=label,
            principal=f"arn:{self.env.partition}:sts::{self.env.account}:assumed-role/{role_name}/{session}",
            role_id=role_id,
        )

    def role_caller(self, role_arn: str, label: str, session: str) -> Caller:
        role_id = self.id_of(role_arn)
        name = self.d.physical_name(role_id)
        return Caller(
            label=label,
            principal=f"arn:{self.env.partition}:sts::{self.env.account}:assumed-role/{name}/{session}",
            role_id=role_id,
        )

    def function_label(self, function_id: str) -> str:
        path = str(self.d.resources[function_id].get("Metadata", {}).get("aws:cdk:path", ""))
        parts = path.split("/")
        return parts[-2] if len(parts) >= 2 else function_id

    def log_stream_arn(self, group_name: str, stream: str) -> str:
        e = self.env
        group = f"arn:{e.partition}:logs:{e.region}:{e.account}:log-group:{group_name}"
        return f"{group}:log-stream:{stream}"

    def _via(self, service: str) -> str:
        return f"{service}.{self.env.region}.{self.env.url_suffix}"

    def secret_key_rows(self, caller: Caller, secret_arn: str, name: str) -> list[AccessRequest]:
        """Decrypting a secret's value when it is encrypted with a customer-managed key."""
        if not self.secrets_kms_key_arn:
            return []
        return [
            AccessRequest(
                name=f"{name}: decrypt the secret with its customer-managed key",
                caller=caller,
                action="kms:Decrypt",
                resource=self.secrets_kms_key_arn,
                expected=ALLOWED,
                resource_policy=default_key_policy(self.env.account, self.env.partition),
                context={
                    "kms:ViaService": self._via("secretsmanager"),
                    "kms:EncryptionContext:SecretARN": secret_arn,
                    "kms:EncryptionContext:SecretVersionId": SECRET_VERSION_ID,
                    "kms:CallerAccount": self.env.account,
                },
            )
        ]

    def read_secret(
        self, caller: Caller, secret_arn: str, name: str, expected: str
    ) -> AccessRequest:
        return AccessRequest(
            name=name,
            caller=caller,
            action="secretsmanager:GetSecretValue",
            resource=secret_arn,
            expected=expected,
            resource_policy=None,
        )

    # --- the table ----------------------------------------------------------------------------
    def rows(self) -> list[AccessRequest]:
        return [
            *self.function_log_rows(),
            *self.alarm_rows(),
            *self.firehose_rows(),
            *self.migrations_rows(),
            *self.monitor_rows(),
            *self.canary_rows(),
            *self.negative_rows(),
        ]

    def functions(self) -> dict[str, dict[str, Any]]:
        return self.d.of_type("AWS::Lambda::Function")

    def function_log_rows(self) -> list[AccessRequest]:
        """Each function creates its log stream and writes to it (its logs, EMF metrics)."""
        rows = []
        for function_id, function in self.functions().items():
            label = self.function_label(function_id)
            caller = self.function_caller(function_id, label)
            logging = function["Properties"].get("LoggingConfig", {})
            group = (
                self.d.resolve(logging["LogGroup"])
                if "LogGroup" in logging
                else f"/aws/lambda/{self.d.physical_name(function_id)}"
            )
            stream = self.log_stream_arn(group, LAMBDA_LOG_STREAM)
            for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
                rows.append(
                    AccessRequest(
                        name=f"{label}: {action} to its own log stream",
                        caller=caller,
                        action=action,
                        resource=stream,
                        expected=ALLOWED,
                    )
                )
            if function["Properties"].get("TracingConfig", {}).get("Mode") == "Active":
                rows.append(
                    AccessRequest(
                        name=f"{label}: send X-Ray trace segments",
                        caller=caller,
                        action="xray:PutTraceSegments",
                        resource="*",
                        expected=ALLOWED,
                    )
                )
        return rows

    def alarm_rows(self) -> list[AccessRequest]:
        """CloudWatch publishes every alarm's notifications to the topic, encrypted with its key."""
        rows = []
        cloudwatch = Caller("CloudWatch alarms", "cloudwatch.amazonaws.com")
        topics = self.d.of_type("AWS::SNS::Topic")
        for alarm_id, alarm in self.d.of_type("AWS::CloudWatch::Alarm").items():
            alarm_arn = self.d.get_att(alarm_id, "Arn")
            alarm_name = self.d.physical_name(alarm_id)
            actions = set(self.d.resolve(alarm["Properties"].get("AlarmActions", [])))
            actions |= set(self.d.resolve(alarm["Properties"].get("OKActions", [])))
            assert actions, f"alarm {alarm_name} notifies nobody"
            for topic_arn in sorted(actions):
                (topic_id,) = [t for t in topics if self.d.get_att(t, "TopicArn") == topic_arn]
                source = {"aws:SourceArn": alarm_arn, "aws:SourceAccount": self.env.account}
                rows.append(
                    AccessRequest(
                        name=f"alarm {alarm_name}: publish to the alarm topic",
                        caller=cloudwatch,
                        action="sns:Publish",
                        resource=topic_arn,
                        expected=ALLOWED,
                        resource_policy=self.d.topic_policy(topic_id),
                        context=source,
                    )
                )
        for topic_id, topic in topics.items():
            key_arn = self.d.resolve(topic["Properties"]["KmsMasterKeyId"])
            key_id = self.id_of(key_arn)
            topic_arn = self.d.get_att(topic_id, "TopicArn")
            for action in ("kms:GenerateDataKey", "kms:Decrypt"):
                rows.append(
                    AccessRequest(
                        name=f"CloudWatch: {action} with the alarm topic's key",
                        caller=cloudwatch,
                        action=action,
                        resource=key_arn,
                        expected=ALLOWED,
                        resource_policy=self.d.key_policy(key_id),
                        context={
                            "kms:ViaService": self._via("sns"),
                            "kms:EncryptionContext:aws:sns:topicArn": topic_arn,
                            "aws:SourceAccount": self.env.account,
                        },
                    )
                )
        return rows

    def delivery(self) -> dict[str, Any]:
        ((_, stream),) = self.d.of_type("AWS::KinesisFirehose::DeliveryStream").items()
        return dict(self.d.resolve(stream["Properties"]))

    def firehose_caller(self) -> Caller:
        role_arn = self.delivery()["KinesisStreamSourceConfiguration"]["RoleARN"]
        return self.role_caller(role_arn, "Firehose", "AWSFirehoseDelivery")

    def firehose_rows(self) -> list[AccessRequest]:
        props = self.delivery()
        source = props["KinesisStreamSourceConfiguration"]
        snowflake = props["SnowflakeDestinationConfiguration"]
        caller = self.firehose_caller()
        # Firehose uses one role for every part; each part names it, and they must agree.
        roles = {
            source["RoleARN"],
            snowflake["RoleARN"],
            snowflake["SecretsManagerConfiguration"]["RoleARN"],
            snowflake["S3Configuration"]["RoleARN"],
        }
        processors = snowflake["ProcessingConfiguration"]["Processors"]
        parameters = {p["ParameterName"]: p["ParameterValue"] for p in processors[0]["Parameters"]}
        roles.add(parameters["RoleArn"])
        assert len(roles) == 1, roles
        rows: list[AccessRequest] = []

        stream_arn = source["KinesisStreamARN"]
        stream = self.d.resources[self.id_of(stream_arn)]
        for action in (
            "kinesis:DescribeStream",
            "kinesis:GetShardIterator",
            "kinesis:GetRecords",
            "kinesis:ListShards",
        ):
            rows.append(
                AccessRequest(
                    name=f"Firehose: {action} on the sales stream",
                    caller=caller,
                    action=action,
                    resource=stream_arn,
                    expected=ALLOWED,
                )
            )
        stream_key_arn = self.d.resolve(stream["Properties"]["StreamEncryption"]["KeyId"])
        rows.append(
            AccessRequest(
                name="Firehose: decrypt the stream's records with its key",
                caller=caller,
                action="kms:Decrypt",
                resource=stream_key_arn,
                expected=ALLOWED,
                resource_policy=self.d.key_policy(self.id_of(stream_key_arn)),
                context={
                    "kms:ViaService": self._via("kinesis"),
                    "kms:EncryptionContext:aws:kinesis:arn": stream_arn,
                    "kms:CallerAccount": self.env.account,
                },
            )
        )

        secret_arn = snowflake["SecretsManagerConfiguration"]["SecretARN"]
        rows.append(
            self.read_secret(caller, secret_arn, "Firehose: read its Snowflake secret", ALLOWED)
        )
        rows += self.secret_key_rows(caller, secret_arn, "Firehose")

        function_arn = parameters["LambdaArn"]
        function_policy = self.d.function_policy(self.id_of(function_arn))
        # The configured ARN, and the same function through a version or an alias (Firehose's
        # own policy example names function:NAME:VERSION), so pointing LambdaArn at a qualified
        # ARN later does not silently break the transform.
        for qualifier in ("", ":1", ":live"):
            for action in ("lambda:InvokeFunction", "lambda:GetFunctionConfiguration"):
                rows.append(
                    AccessRequest(
                        name=f"Firehose: {action} on the transform{qualifier}",
                        caller=caller,
                        action=action,
                        resource=f"{function_arn}{qualifier}",
                        expected=ALLOWED,
                        resource_policy=function_policy,
                    )
                )

        s3 = snowflake["S3Configuration"]
        bucket_arn = s3["BucketARN"]
        bucket_policy = self.d.bucket_policy(self.id_of(bucket_arn))
        stream_name = self.d.physical_name(self.id_of(self.delivery_arn()))
        for prefix in ("processing-failed/", "snowflake-failed/"):
            key = f"{prefix}2026/12/02/09/{stream_name}-1-2026-12-02-09-14-07-{OBJECT_ID}.gz"
            for action in ("s3:PutObject", "s3:AbortMultipartUpload"):
                rows.append(
                    AccessRequest(
                        name=f"Firehose: {action} under {prefix}",
                        caller=caller,
                        action=action,
                        resource=f"{bucket_arn}/{key}",
                        expected=ALLOWED,
                        resource_policy=bucket_policy,
                    )
                )
        for action in ("s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"):
            rows.append(
                AccessRequest(
                    name=f"Firehose: {action} on the error bucket",
                    caller=caller,
                    action=action,
                    resource=bucket_arn,
                    expected=ALLOWED,
                    resource_policy=bucket_policy,
                )
            )
        bucket_key_arn = s3["EncryptionConfiguration"]["KMSEncryptionConfig"]["AWSKMSKeyARN"]
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            rows.append(
                AccessRequest(
                    name=f"Firehose: {action} with the error bucket's key (through S3)",
                    caller=caller,
                    action=action,
                    resource=bucket_key_arn,
                    expected=ALLOWED,
                    resource_policy=self.d.key_policy(self.id_of(bucket_key_arn)),
                    context={
                        "kms:ViaService": self._via("s3"),
                        "kms:EncryptionContext:aws:s3:arn": bucket_arn,
                        "kms:CallerAccount": self.env.account,
                    },
                )
            )
        for options in (snowflake["CloudWatchLoggingOptions"], s3["CloudWatchLoggingOptions"]):
            rows.append(
                AccessRequest(
                    name=f"Firehose: logs:PutLogEvents to {options['LogStreamName']}",
                    caller=caller,
                    action="logs:PutLogEvents",
                    resource=self.log_stream_arn(options["LogGroupName"], options["LogStreamName"]),
                    expected=ALLOWED,
                )
            )
        return rows

    def delivery_arn(self) -> str:
        ((stream_id, _),) = self.d.of_type("AWS::KinesisFirehose::DeliveryStream").items()
        return self.d.get_att(stream_id, "Arn")

    def migrations(self) -> dict[str, Any]:
        ((_, resource),) = self.d.of_type("Custom::SnowflakeMigrations").items()
        return dict(self.d.resolve(resource["Properties"]))

    def function_by_handler(self, handler: str) -> str:
        (function_id,) = [
            k for k, v in self.functions().items() if v["Properties"].get("Handler") == handler
        ]
        return function_id

    def migrations_rows(self) -> list[AccessRequest]:
        function_id = self.function_by_handler("lambdas.snowflake_migrations.handler.on_event")
        caller = self.function_caller(function_id, "MigrationsFunction")
        secret_arn = self.migrations()["SecretArn"]
        rows = [self.read_secret(caller, secret_arn, "migrations: read the deploy secret", ALLOWED)]
        rows += self.secret_key_rows(caller, secret_arn, "migrations")
        # The Provider framework's function invokes the handler by the ARN in its environment.
        (framework_id,) = [
            k
            for k, v in self.functions().items()
            if "USER_ON_EVENT_FUNCTION_ARN"
            in v["Properties"].get("Environment", {}).get("Variables", {})
        ]
        framework = self.d.resolve(self.d.resources[framework_id]["Properties"])
        target = framework["Environment"]["Variables"]["USER_ON_EVENT_FUNCTION_ARN"]
        assert target == self.d.get_att(function_id, "Arn")
        rows.append(
            AccessRequest(
                name="custom resource provider: invoke the migrations handler",
                caller=self.function_caller(framework_id, "Provider framework"),
                action="lambda:InvokeFunction",
                resource=target,
                expected=ALLOWED,
                resource_policy=self.d.function_policy(function_id),
            )
        )
        return rows

    def monitor_function(self) -> str | None:
        found = [
            k
            for k, v in self.functions().items()
            if v["Properties"].get("Handler") == "lambdas.snowflake_monitor.handler.lambda_handler"
        ]
        return found[0] if found else None

    def monitor_rows(self) -> list[AccessRequest]:
        function_id = self.monitor_function()
        if function_id is None:
            return []
        caller = self.function_caller(function_id, "MonitorFunction")
        variables = self.d.resolve(
            self.d.resources[function_id]["Properties"]["Environment"]["Variables"]
        )
        secret_arn = variables["SNOWFLAKE_SECRET_ARN"]
        rows = [self.read_secret(caller, secret_arn, "monitor: read its Snowflake secret", ALLOWED)]
        rows += self.secret_key_rows(caller, secret_arn, "monitor")
        rows.append(
            AccessRequest(
                name="monitor: put metrics in its namespace",
                caller=caller,
                action="cloudwatch:PutMetricData",
                resource="*",
                expected=ALLOWED,
                context={"cloudwatch:namespace": variables["METRICS_NAMESPACE"]},
            )
        )
        events = Caller("EventBridge", "events.amazonaws.com")
        function_arn = self.d.get_att(function_id, "Arn")
        for rule_id, rule in self.d.of_type("AWS::Events::Rule").items():
            targets = self.d.resolve(rule["Properties"]["Targets"])
            if any(t["Arn"] == function_arn for t in targets):
                rows.append(
                    AccessRequest(
                        name="EventBridge schedule: invoke the monitor",
                        caller=events,
                        action="lambda:InvokeFunction",
                        resource=function_arn,
                        expected=ALLOWED,
                        resource_policy=self.d.function_policy(function_id),
                        context={
                            "aws:SourceArn": self.d.get_att(rule_id, "Arn"),
                            "aws:SourceAccount": self.env.account,
                        },
                    )
                )
        return rows

    def canary_rows(self) -> list[AccessRequest]:
        """The scheduled canary (issue 12): its puts to the sales stream (PutRecords, and the
        data key Kinesis generates with the stream's key on its behalf), its Snowflake secret,
        its metrics, its schedule; and what it must not do (read the stream, other secrets,
        other namespaces)."""
        found = [
            k
            for k, v in self.functions().items()
            if v["Properties"].get("Handler") == "lambdas.pipeline_verify.handler.lambda_handler"
        ]
        if not found:
            return []
        (function_id,) = found
        caller = self.function_caller(function_id, "CanaryFunction")
        variables = self.d.resolve(
            self.d.resources[function_id]["Properties"]["Environment"]["Variables"]
        )
        secret_arn = variables["SNOWFLAKE_SECRET_ARN"]
        (stream_id,) = self.d.of_type("AWS::Kinesis::Stream")
        stream_arn = self.d.get_att(stream_id, "Arn")
        stream = self.d.resources[stream_id]
        stream_key_arn = self.d.resolve(stream["Properties"]["StreamEncryption"]["KeyId"])
        key_context = {
            "kms:ViaService": self._via("kinesis"),
            "kms:EncryptionContext:aws:kinesis:arn": stream_arn,
            "kms:CallerAccount": self.env.account,
        }
        rows = [self.read_secret(caller, secret_arn, "canary: read its Snowflake secret", ALLOWED)]
        rows += self.secret_key_rows(caller, secret_arn, "canary")
        firehose_secret = self.delivery()["SnowflakeDestinationConfiguration"][
            "SecretsManagerConfiguration"
        ]["SecretARN"]
        rows += [
            AccessRequest(
                name="canary: put records to the sales stream",
                caller=caller,
                action="kinesis:PutRecords",
                resource=stream_arn,
                expected=ALLOWED,
            ),
            AccessRequest(
                name="canary: Kinesis generates a data key with the stream's key",
                caller=caller,
                action="kms:GenerateDataKey",
                resource=stream_key_arn,
                expected=ALLOWED,
                resource_policy=self.d.key_policy(self.id_of(stream_key_arn)),
                context=key_context,
            ),
            AccessRequest(
                name="canary: use the stream's key directly (not through Kinesis)",
                caller=caller,
                action="kms:GenerateDataKey",
                resource=stream_key_arn,
                expected=DENIED,
                resource_policy=self.d.key_policy(self.id_of(stream_key_arn)),
                context={"kms:CallerAccount": self.env.account},
            ),
            AccessRequest(
                name="canary: read the sales stream",
                caller=caller,
                action="kinesis:GetRecords",
                resource=stream_arn,
                expected=DENIED,
            ),
            self.read_secret(caller, firehose_secret, "canary: read Firehose's secret", DENIED),
            AccessRequest(
                name="canary: put metrics in its namespace",
                caller=caller,
                action="cloudwatch:PutMetricData",
                resource="*",
                expected=ALLOWED,
                context={"cloudwatch:namespace": variables["METRICS_NAMESPACE"]},
            ),
            AccessRequest(
                name="canary: read Kinesis's and Firehose's metrics (its windows)",
                caller=caller,
                action="cloudwatch:GetMetricStatistics",
                resource="*",
                expected=ALLOWED,
            ),
            AccessRequest(
                name="canary: put metrics in another namespace",
                caller=caller,
                action="cloudwatch:PutMetricData",
                resource="*",
                expected=DENIED,
                context={"cloudwatch:namespace": "RetailPosPipeline"},
            ),
        ]
        events = Caller("EventBridge", "events.amazonaws.com")
        function_arn = self.d.get_att(function_id, "Arn")
        for rule_id, rule in self.d.of_type("AWS::Events::Rule").items():
            targets = self.d.resolve(rule["Properties"]["Targets"])
            if any(t["Arn"] == function_arn for t in targets):
                rows.append(
                    AccessRequest(
                        name="EventBridge schedule: invoke the canary",
                        caller=events,
                        action="lambda:InvokeFunction",
                        resource=function_arn,
                        expected=ALLOWED,
                        resource_policy=self.d.function_policy(function_id),
                        context={
                            "aws:SourceArn": self.d.get_att(rule_id, "Arn"),
                            "aws:SourceAccount": self.env.account,
                        },
                    )
                )
        assert rows[-1].name == "EventBridge schedule: invoke the canary"
        return rows

    def negative_rows(self) -> list[AccessRequest]:
        """Requests least privilege must refuse."""
        rows: list[AccessRequest] = []
        firehose = self.firehose_caller()
        firehose_secret = self.delivery()["SnowflakeDestinationConfiguration"][
            "SecretsManagerConfiguration"
        ]["SecretARN"]
        migrations_secret = self.migrations()["SecretArn"]
        transform_id = self.function_by_handler("lambdas.transform.handler.lambda_handler")
        transform = self.function_caller(transform_id, "TransformFunction")
        migrations_id = self.function_by_handler("lambdas.snowflake_migrations.handler.on_event")
        migrations = self.function_caller(migrations_id, "MigrationsFunction")
        secrets = {"Firehose's": firehose_secret, "the deploy": migrations_secret}
        monitor_id = self.monitor_function()
        if monitor_id is not None:
            variables = self.d.resolve(
                self.d.resources[monitor_id]["Properties"]["Environment"]["Variables"]
            )
            secrets["the monitor's"] = variables["SNOWFLAKE_SECRET_ARN"]
        for label, arn in secrets.items():
            rows.append(self.read_secret(transform, arn, f"transform: read {label} secret", DENIED))
        rows.append(
            self.read_secret(
                migrations, firehose_secret, "migrations: read Firehose's secret", DENIED
            )
        )
        rows.append(
            self.read_secret(
                firehose, migrations_secret, "Firehose: read the deploy secret", DENIED
            )
        )
        rows.append(
            AccessRequest(
                name="Firehose: invoke the migrations handler",
                caller=firehose,
                action="lambda:InvokeFunction",
                resource=self.d.get_att(migrations_id, "Arn"),
                expected=DENIED,
                resource_policy=self.d.function_policy(migrations_id),
            )
        )
        # One function writing into another's log group.
        migrations_logs = self.d.resolve(
            self.d.resources[migrations_id]["Properties"]["LoggingConfig"]["LogGroup"]
        )
        rows.append(
            AccessRequest(
                name="transform: write to the migrations function's log stream",
                caller=transform,
                action="logs:PutLogEvents",
                resource=self.log_stream_arn(migrations_logs, LAMBDA_LOG_STREAM),
                expected=DENIED,
            )
        )
        if monitor_id is not None:
            monitor = self.function_caller(monitor_id, "MonitorFunction")
            rows.append(
                self.read_secret(
                    monitor, firehose_secret, "monitor: read Firehose's secret", DENIED
                )
            )
            rows.append(
                AccessRequest(
                    name="monitor: put metrics in another namespace",
                    caller=monitor,
                    action="cloudwatch:PutMetricData",
                    resource="*",
                    expected=DENIED,
                    context={"cloudwatch:namespace": "AWS/Lambda"},
                )
            )
        bucket_arn = self.delivery()["SnowflakeDestinationConfiguration"]["S3Configuration"][
            "BucketARN"
        ]
        bucket_policy = self.d.bucket_policy(self.id_of(bucket_arn))
        for key in ("other/2026/12/02/09/x.gz", "x.gz"):
            rows.append(
                AccessRequest(
                    name=f"Firehose: write outside its error prefixes ({key})",
                    caller=firehose,
                    action="s3:PutObject",
                    resource=f"{bucket_arn}/{key}",
                    expected=DENIED,
                    resource_policy=bucket_policy,
                )
            )
        rows.append(
            AccessRequest(
                name="Firehose: write an error object over plain HTTP (no TLS)",
                caller=firehose,
                action="s3:PutObject",
                resource=f"{bucket_arn}/processing-failed/2026/12/02/09/x.gz",
                expected=EXPLICITLY_DENIED,
                resource_policy=self.d.bucket_policy(self.id_of(bucket_arn)),
                context={"aws:SecureTransport": "false"},
            )
        )
        rows += self._topic_negative_rows()
        return rows

    def _topic_negative_rows(self) -> list[AccessRequest]:
        rows = []
        for topic_id in self.d.of_type("AWS::SNS::Topic"):
            topic_arn = self.d.get_att(topic_id, "TopicArn")
            policy = self.d.topic_policy(topic_id)
            other = "210987654321"
            rows.append(
                AccessRequest(
                    name="another account's alarm: publish to the alarm topic",
                    caller=Caller("CloudWatch alarms", "cloudwatch.amazonaws.com"),
                    action="sns:Publish",
                    resource=topic_arn,
                    expected=DENIED,
                    resource_policy=policy,
                    context={
                        "aws:SourceArn": f"arn:{self.env.partition}:cloudwatch:{self.env.region}:"
                        f"{other}:alarm:Other",
                        "aws:SourceAccount": other,
                    },
                )
            )
            rows.append(
                AccessRequest(
                    name="alarm notification over plain HTTP (no TLS)",
                    caller=Caller("CloudWatch alarms", "cloudwatch.amazonaws.com"),
                    action="sns:Publish",
                    resource=topic_arn,
                    expected=EXPLICITLY_DENIED,
                    resource_policy=policy,
                    context={
                        "aws:SecureTransport": "false",
                        "aws:SourceArn": f"arn:{self.env.partition}:cloudwatch:{self.env.region}:"
                        f"{self.env.account}:alarm:Any",
                        "aws:SourceAccount": self.env.account,
                    },
                )
            )
        return rows

"""The synthesized template: what each resource is configured to do, and who may touch what."""

from __future__ import annotations

from typing import Any

import sqlglot
from aws_cdk.assertions import Match
from sqlglot import exp

from lambdas.snowflake_migrations.scripts import SqlVariables, render, scripts_fingerprint
from lambdas.transform.limits import BUFFER_INTERVAL_SECONDS, BUFFER_SIZE_MB
from stacks.requirements import REPO_ROOT
from tests.cdk.conftest import ACCOUNT_URL, FIREHOSE_SECRET, MIGRATIONS_SECRET, Synthesized


def _only(resources: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    assert len(resources) == 1, list(resources)
    return next(iter(resources.items()))


def _logical_id(synthesized: Synthesized, construct: Any) -> str:
    return str(synthesized.stack.resolve(construct.node.default_child.logical_id))


def _statements(synthesized: Synthesized, role_construct: Any) -> list[dict[str, Any]]:
    role_id = _logical_id(synthesized, role_construct)
    statements: list[dict[str, Any]] = []
    for policy in synthesized.resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def _resources(statement: dict[str, Any]) -> list[Any]:
    resources = statement["Resource"]
    return resources if isinstance(resources, list) else [resources]


def test_stream_is_on_demand_kms_encrypted_and_retained(synthesized: Synthesized) -> None:
    _, stream = _only(synthesized.resources("AWS::Kinesis::Stream"))
    key_id = _logical_id(synthesized, synthesized.stack.ingest.key)
    assert stream["Properties"]["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert stream["Properties"]["StreamEncryption"] == {
        "EncryptionType": "KMS",
        "KeyId": {"Fn::GetAtt": [key_id, "Arn"]},
    }
    assert stream["Properties"]["RetentionPeriodHours"] == 168
    assert stream["DeletionPolicy"] == "RetainExceptOnCreate"
    assert synthesized.template_json["Resources"][key_id]["Properties"]["EnableKeyRotation"]


def test_firehose_reads_the_stream_and_writes_bronze_in_variant_columns(
    synthesized: Synthesized,
) -> None:
    _, delivery = _only(synthesized.resources("AWS::KinesisFirehose::DeliveryStream"))
    props = delivery["Properties"]
    stream_id = _logical_id(synthesized, synthesized.stack.ingest.stream)
    assert props["DeliveryStreamType"] == "KinesisStreamAsSource"
    assert props["KinesisStreamSourceConfiguration"]["KinesisStreamARN"] == {
        "Fn::GetAtt": [stream_id, "Arn"]
    }
    snowflake = props["SnowflakeDestinationConfiguration"]
    assert {k: snowflake[k] for k in ("AccountUrl", "Database", "Schema", "Table")} == {
        "AccountUrl": ACCOUNT_URL,
        "Database": "POS_DB",
        "Schema": "BRONZE",
        "Table": "JSON_RAW_DATA",
    }
    assert snowflake["DataLoadingOption"] == "VARIANT_CONTENT_AND_METADATA_MAPPING"
    assert snowflake["ContentColumnName"] == "RECORD_CONTENT"
    assert snowflake["MetaDataColumnName"] == "RECORD_METADATA"
    assert snowflake["SnowflakeRoleConfiguration"] == {
        "Enabled": True,
        "SnowflakeRole": "POS_INGEST",
    }
    assert snowflake["SecretsManagerConfiguration"]["Enabled"] is True
    assert snowflake["SecretsManagerConfiguration"]["SecretARN"] == FIREHOSE_SECRET
    # No key material in the template: the key pair is only in Secrets Manager.
    assert not {"User", "PrivateKey", "KeyPassphrase"} & snowflake.keys()
    assert snowflake["S3BackupMode"] == "FailedDataOnly"
    assert snowflake["RetryOptions"] == {"DurationInSeconds": 3600}
    assert snowflake["CloudWatchLoggingOptions"]["Enabled"] is True
    assert snowflake["S3Configuration"]["CloudWatchLoggingOptions"]["Enabled"] is True


def test_firehose_calls_the_transform_with_the_buffer_hints_from_limits(
    synthesized: Synthesized,
) -> None:
    _, delivery = _only(synthesized.resources("AWS::KinesisFirehose::DeliveryStream"))
    processing = delivery["Properties"]["SnowflakeDestinationConfiguration"][
        "ProcessingConfiguration"
    ]
    assert processing["Enabled"] is True
    (processor,) = processing["Processors"]
    assert processor["Type"] == "Lambda"
    parameters = {p["ParameterName"]: p["ParameterValue"] for p in processor["Parameters"]}
    transform_id = _logical_id(synthesized, synthesized.stack.transform.function)
    assert parameters["LambdaArn"] == {"Fn::GetAtt": [transform_id, "Arn"]}
    assert parameters["BufferSizeInMBs"] == str(BUFFER_SIZE_MB)
    assert parameters["BufferIntervalInSeconds"] == str(BUFFER_INTERVAL_SECONDS)
    assert parameters["NumberOfRetries"] == "3"


def test_error_bucket_is_encrypted_private_tls_only_logged_and_retained(
    synthesized: Synthesized,
) -> None:
    error_output = synthesized.stack.delivery.error_output
    bucket = synthesized.template_json["Resources"][_logical_id(synthesized, error_output.bucket)]
    props = bucket["Properties"]
    key_id = _logical_id(synthesized, error_output.key)
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
    }
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": _logical_id(synthesized, error_output.access_logs)
    }
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 365
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert bucket["DeletionPolicy"] == "RetainExceptOnCreate"
    synthesized.template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": _logical_id(synthesized, error_output.bucket)},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            },
        },
    )


def test_lambdas_run_newest_python_on_arm64_with_tracing_and_log_retention(
    synthesized: Synthesized,
) -> None:
    functions = {
        "TransformFunction": "lambdas.transform.handler.lambda_handler",
        "SnowflakeMigrations/MigrationsFunction": "lambdas.snowflake_migrations.handler.on_event",
    }
    resources = synthesized.template_json["Resources"]
    for path, handler in functions.items():
        (function,) = [
            r
            for r in resources.values()
            if r["Type"] == "AWS::Lambda::Function"
            and r.get("Metadata", {}).get("aws:cdk:path") == f"RetailPosPipeline/{path}/Resource"
        ]
        props = function["Properties"]
        assert props["Runtime"] == "python3.14"
        assert props["Architectures"] == ["arm64"]
        assert props["Handler"] == handler
        assert props["TracingConfig"] == {"Mode": "Active"}
        log_group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[log_group_id]["Properties"]["RetentionInDays"] == 90
    # No function role carries the account-wide basic execution managed policy.
    for role in synthesized.resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def test_firehose_role_reaches_exactly_its_stream_function_secret_and_bucket(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.stack
    statements = _statements(synthesized, stack.delivery.role)
    by_action = {action: s for s in statements for action in _actions(s)}
    transform_id = _logical_id(synthesized, stack.transform.function)
    transform_arn = {"Fn::GetAtt": [transform_id, "Arn"]}
    assert _resources(by_action["lambda:InvokeFunction"]) == [
        transform_arn,
        {"Fn::Join": ["", [transform_arn, ":*"]]},
    ]
    assert _resources(by_action["secretsmanager:GetSecretValue"]) == [FIREHOSE_SECRET]
    stream_id = _logical_id(synthesized, stack.ingest.stream)
    assert _resources(by_action["kinesis:GetRecords"]) == [{"Fn::GetAtt": [stream_id, "Arn"]}]
    bucket_arn = {
        "Fn::GetAtt": [_logical_id(synthesized, stack.delivery.error_output.bucket), "Arn"]
    }
    assert _resources(by_action["s3:PutObject"]) == [
        {"Fn::Join": ["", [bucket_arn, "/processing-failed/*"]]},
        {"Fn::Join": ["", [bucket_arn, "/snowflake-failed/*"]]},
    ]
    assert all("*" not in _resources(s) for s in statements)
    assert MIGRATIONS_SECRET not in str(statements)


def test_migrations_role_reads_only_the_deploy_secret(synthesized: Synthesized) -> None:
    role = synthesized.stack.node.find_child("SnowflakeMigrations").node.find_child(
        "MigrationsFunctionRole"
    )
    statements = _statements(synthesized, role)
    secret_statements = [s for s in statements if "secretsmanager:GetSecretValue" in _actions(s)]
    assert [_resources(s) for s in secret_statements] == [[MIGRATIONS_SECRET]]
    assert FIREHOSE_SECRET not in str(statements)


def test_migrations_custom_resource_carries_settings_and_sql_fingerprint(
    synthesized: Synthesized,
) -> None:
    resource_id, resource = _only(synthesized.resources("Custom::SnowflakeMigrations"))
    props = resource["Properties"]
    assert props["ScriptsFingerprint"] == scripts_fingerprint(REPO_ROOT / "snowflake")
    assert props["AccountUrl"] == ACCOUNT_URL
    assert props["SecretArn"] == MIGRATIONS_SECRET
    assert props["Role"] == "POS_DEPLOY"
    assert props["SqlVariables"]["database"] == "POS_DB"
    assert props["SqlVariables"]["ingest_role"] == "POS_INGEST"
    # Bronze must exist before Firehose starts delivering.
    _, delivery = _only(synthesized.resources("AWS::KinesisFirehose::DeliveryStream"))
    assert resource_id in delivery["DependsOn"]


def test_sam_local_can_find_the_transform_code(synthesized: Synthesized) -> None:
    transform_id = _logical_id(synthesized, synthesized.stack.transform.function)
    metadata = synthesized.template_json["Resources"][transform_id]["Metadata"]
    assert metadata["aws:cdk:path"] == "RetailPosPipeline/TransformFunction/Resource"
    assert metadata["aws:asset:property"] == "Code"
    assert metadata["aws:asset:path"]


def test_alarm_topic_is_encrypted_and_subscribed(synthesized: Synthesized) -> None:
    _, topic = _only(synthesized.resources("AWS::SNS::Topic"))
    assert "KmsMasterKeyId" in topic["Properties"]
    synthesized.template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "data-oncall@example.com"}
    )


def test_firehose_writes_the_table_and_columns_the_migrations_create(
    synthesized: Synthesized,
) -> None:
    """Bronze's names are fixed by V3 (not settings): Firehose must name exactly its table and
    VARIANT columns, or every record would go to snowflake-failed/."""
    v3 = REPO_ROOT / "snowflake" / "V3__bronze_json_raw_data.sql"
    sql = render(v3.read_text(), SqlVariables())
    (create,) = [s for s in sqlglot.parse(sql, read="snowflake") if isinstance(s, exp.Create)]
    table = create.this.this
    columns = {c.name: c.args["kind"].sql(dialect="snowflake") for c in create.this.expressions}
    _, delivery = _only(synthesized.resources("AWS::KinesisFirehose::DeliveryStream"))
    snowflake = delivery["Properties"]["SnowflakeDestinationConfiguration"]
    assert (table.catalog, table.db, table.name) == (
        snowflake["Database"],
        snowflake["Schema"],
        snowflake["Table"],
    )
    assert columns == {
        snowflake["ContentColumnName"]: "VARIANT",
        snowflake["MetaDataColumnName"]: "VARIANT",
    }

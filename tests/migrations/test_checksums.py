"""The checksums recorded for applied scripts must keep matching what the code computes.

Every account (and every local warehouse) that applied V1-V23 holds these values in
OPS.SCHEMA_CHANGE_HISTORY; they are the SHA-256 of each script rendered with the default
settings, as recorded by the releases before this check existed. If the way checksums are taken
changed, or an applied V script were edited, those accounts would refuse every later deploy with
EditedScriptError. (A new V script is not listed: only applied ones are frozen.)
"""

from __future__ import annotations

from lambdas.snowflake_migrations.scripts import ScriptKind, SqlVariables, discover
from stacks.requirements import REPO_ROOT

# version -> checksum of V<version>__*.sql
RECORDED_BEFORE = {
    1: "ffd1e42f92451d33b54fadfcc3a014165d929997ff48c5612faf17b14e23af34",
    2: "ff1f3902cacf2e6c0ad0c2851900d3ec586de0c581a5c03dbcf513a8897200a3",
    3: "6c3e9c55f4e610d103c76edc2c4f06e3c58df1d3b7ce7335f0d561bf95233fab",
    4: "eb5f78aec51c3ecb0915169ddda8d59487e6d24884082b8f6b0701be0a3d7e97",
    5: "89d0d42b8e5a0c0443709d96326afa8d8b4529f7c43a6a69979248e602c8db2d",
    6: "5ba7cf6be933e64452739a436b543750535e51dacf6b1e3229f7f064af37f1a5",
    7: "4b0b5678ce1e97a22e41ba11afe8e4792c4e02ce9d1b83343b665fcfb200a2a7",
    8: "e5e8281d4256677409b767d154581dbec381c6ab1bd222a231fc9758ede4802f",
    9: "9f906256bb0af7e645289b1ebff6d15358a2fdc5b1d4303b23f816ed1d7d3679",
    10: "ca205afb455916d38f93d84a96c21ef011d8b5592ddb6b6532bb3a6797a6cbae",
    11: "6dbca622b703015cc9a6cfb5c337b736f010ae9ea871adb4e792befb6eb4d8af",
    12: "8d044e29dd3d8d84172e27a353b6545aac5dd30f02c748e84d72b21d91c01a69",
    13: "8f265e42f42772e4c870432901317fb99f888341dce4760e585febe617c75006",
    14: "95835fccf22915511e4f8cc81d2d9358e6eaf923900ae19bc4ccdf46eb30e14d",
    15: "3ce47ae0be78c87c7f3d7d5d4fd62f0ebee499e21432a2b2ac26cb87f2b9520e",
    16: "ad586288f05a9df8cfd854545bc3347d517f11975d59b151388e3e5adb18f929",
    17: "8550b0507e2dc75d889645d25f6bf38c7df1042f20219350098374e28a53f04a",
    18: "ecf85307808b4c6db358891a87a4c4635551ec29092f22edffff1bbb8ad8ae86",
    19: "cd8d60ff678e97f19ce7b163824598fa97e0b83d730c0caf22478d991f853bf7",
    20: "4a27a67c6841dbe6cf4ca22070ad1d0283354811b4d53f950d3671b21ad13d0f",
    21: "74a91a43b2d6e9e71b858ccbf7b097d6edcfec2c42365dae61392766370240da",
    22: "7353d58f3fbc9d801d85e049bf4a485312eb741d7bb4b79149d1cac292c6af99",
    23: "1c20e4cf348da0faca4a7f00cc7578af46f7552983d3e82982319de21589fc06",
}  # fmt: skip


def test_applied_versions_keep_the_checksums_existing_accounts_recorded() -> None:
    computed = {
        s.version[0]: s.checksum
        for s in discover(REPO_ROOT / "snowflake", SqlVariables())
        if s.kind is ScriptKind.VERSIONED and s.version and s.version[0] in RECORDED_BEFORE
    }
    assert computed == RECORDED_BEFORE


def test_a_version_checksum_under_other_settings_is_the_one_those_settings_recorded() -> None:
    """checksum_with(previous) is what an account deployed with ``previous`` recorded."""
    other = SqlVariables(warehouse="OTHER_WH", firehose_user="FH_USER")
    scripts = {s.name: s for s in discover(REPO_ROOT / "snowflake", SqlVariables())}
    rendered_elsewhere = {s.name: s for s in discover(REPO_ROOT / "snowflake", other)}
    for name, script in scripts.items():
        assert script.checksum_with(other) == rendered_elsewhere[name].checksum
    assert scripts["V21__grant_firehose_user_default_role.sql"].settings == {
        "firehose_user",
        "ingest_role",
    }

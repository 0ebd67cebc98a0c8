"""The real Lambda bundles: built by pip for arm64 Lambda, small enough, importable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.tags import Tag, compatible_tags, cpython_tags, parse_tag

from stacks.bundling import BundleSpec, Platform, build_bundle
from stacks.migrations import MIGRATIONS_BUNDLE
from stacks.transform import TRANSFORM_BUNDLE

pytestmark = pytest.mark.slow

LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
ELF_MACHINE_AARCH64 = 183
BUNDLES = {
    "transform": (TRANSFORM_BUNDLE, "lambdas.transform.handler"),
    "migrations": (MIGRATIONS_BUNDLE, "lambdas.snowflake_migrations.handler"),
}
# What the Lambda Python runtime provides beside the bundle.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


def _lambda_tags(platform: Platform) -> set[Tag]:
    major, minor = (int(part) for part in platform.python_version.split("."))
    platforms = [f"manylinux_2_{glibc}_aarch64" for glibc in range(17, 29)] + [
        "manylinux2014_aarch64",
        "linux_aarch64",
    ]
    return set(cpython_tags((major, minor), platforms=platforms)) | set(
        compatible_tags((major, minor), platforms=platforms)
    )


def _wheel_tags(bundle: Path) -> dict[str, frozenset[Tag]]:
    tags = {}
    for wheel in bundle.glob("*.dist-info/WHEEL"):
        lines = wheel.read_text().splitlines()
        tags[wheel.parent.name] = frozenset(
            tag
            for line in lines
            if line.startswith("Tag: ")
            for tag in parse_tag(line.removeprefix("Tag: ").strip())
        )
    return tags


@pytest.fixture(scope="module", params=sorted(BUNDLES))
def lambda_bundle(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    spec, _ = BUNDLES[request.param]
    out = tmp_path_factory.mktemp(f"{request.param}-arm64")
    build_bundle(spec, Platform.lambda_arm64(), out)
    return request.param, out


def test_bundle_holds_only_wheels_for_the_lambda_platform(lambda_bundle: tuple[str, Path]) -> None:
    _, bundle = lambda_bundle
    allowed = _lambda_tags(Platform.lambda_arm64())
    wheel_tags = _wheel_tags(bundle)
    assert wheel_tags, "no packages installed"
    for dist, tags in wheel_tags.items():
        assert tags & allowed, f"{dist} was built for {sorted(map(str, tags))}"
    for shared_object in bundle.rglob("*.so*"):
        header = shared_object.read_bytes()[:20]
        if header[:4] == b"\x7fELF":
            assert int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64, shared_object


def test_bundle_stays_under_the_lambda_size_limit(lambda_bundle: tuple[str, Path]) -> None:
    _, bundle = lambda_bundle
    size = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file())
    assert size < LAMBDA_UNZIPPED_LIMIT_BYTES, f"{size / 2**20:.0f} MiB"


def test_handler_imports_from_the_bundle_alone(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The same specs built for this machine import with only the bundle and the runtime's boto3."""
    host = Platform(
        python_version=f"{sys.version_info.major}.{sys.version_info.minor}",
        pip_platforms=("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
        docker_platform="linux/amd64",
    )
    if os.uname().machine != "x86_64":
        pytest.skip("host import check is written for x86_64 machines")
    runtime_dir = tmp_path / "runtime"
    runtime_dir.mkdir()
    for module in RUNTIME_PROVIDED:
        found = __import__(module).__file__
        assert found is not None
        (runtime_dir / module).symlink_to(Path(found).parent)
    for name, (spec, module) in BUNDLES.items():
        bundle = tmp_path / name
        build_bundle(BundleSpec(spec.sources, spec.requirements), host, bundle)
        code = (
            "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; "
            f"import importlib; importlib.import_module({module!r})"
        )
        subprocess.run(
            [sys.executable, "-I", "-S", "-c", code, str(bundle), str(runtime_dir)],
            check=True,
            env={"PATH": os.environ["PATH"], "AWS_DEFAULT_REGION": "eu-west-1"},
            cwd=tmp_path,
        )

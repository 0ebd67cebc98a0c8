"""Docker-free Lambda bundles: pip installs the pinned wheels for the Lambda platform locally.

A bundle is the function's own packages (copied from the repo) plus its pinned dependencies,
installed by pip with the Lambda platform's tags (``--only-binary=:all:``, CPython of the runtime's
version, ``manylinux2014`` and ``manylinux_2_28`` for aarch64), so no compiler and no Docker are
needed. When pip is not usable, CDK falls back to the same install inside the runtime's build
image. The asset hash covers the source files, the requirement pins and the platform, so a bundle
is rebuilt exactly when what would be deployed changes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

from stacks.requirements import REPO_ROOT

# The newest Python runtime aws-cdk-lib offers, on Graviton (cheaper per GB-second).
LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_14
LAMBDA_ARCHITECTURE = lambda_.Architecture.ARM_64

_SKIPPED_NAMES = ("__pycache__", "*.pyc", "*.pyo")


@dataclass(frozen=True)
class Platform:
    """Where the bundle will run: what pip must pick wheels for."""

    python_version: str
    pip_platforms: tuple[str, ...]
    docker_platform: str

    @classmethod
    def lambda_arm64(cls) -> Platform:
        return cls(
            python_version=LAMBDA_RUNTIME.name.removeprefix("python"),
            pip_platforms=("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
            docker_platform="linux/arm64",
        )


@dataclass(frozen=True)
class BundleSpec:
    """What goes into one function's asset: repo paths (files or folders) and pinned wheels."""

    sources: tuple[str, ...]
    requirements: tuple[str, ...]


def _source_files(spec: BundleSpec, root: Path) -> Iterator[Path]:
    for source in spec.sources:
        path = root / source
        if path.is_file():
            yield path
            continue
        for file in sorted(path.rglob("*")):
            if file.is_file() and not any(
                file.match(pattern) or pattern in file.parts for pattern in _SKIPPED_NAMES
            ):
                yield file


def bundle_fingerprint(spec: BundleSpec, platform: Platform, root: Path = REPO_ROOT) -> str:
    """Hash of everything that determines the bundle's content."""
    digest = hashlib.sha256()
    for line in (*spec.requirements, platform.python_version, *platform.pip_platforms):
        digest.update(line.encode() + b"\0")
    for file in _source_files(spec, root):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def pip_install_command(spec: BundleSpec, platform: Platform, target: Path) -> list[str]:
    command = [
        sys.executable, "-m", "pip", "install",
        "--quiet", "--disable-pip-version-check", "--no-compile",
        "--target", str(target),
        "--implementation", "cp",
        "--python-version", platform.python_version,
        "--only-binary=:all:",
    ]  # fmt: skip
    for tag in platform.pip_platforms:
        command += ["--platform", tag]
    return command + list(spec.requirements)


def build_bundle(
    spec: BundleSpec, platform: Platform, output_dir: Path, root: Path = REPO_ROOT
) -> None:
    """Install the wheels for ``platform`` and copy the sources into ``output_dir``."""
    if spec.requirements:
        subprocess.run(pip_install_command(spec, platform, output_dir), check=True)  # noqa: S603
    for source in spec.sources:
        path = root / source
        destination = output_dir / source
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file():
            shutil.copy2(path, destination)
        else:
            shutil.copytree(
                path,
                destination,
                ignore=shutil.ignore_patterns(*_SKIPPED_NAMES),
                dirs_exist_ok=True,
            )


@jsii.implements(cdk.ILocalBundling)
class LocalPipBundling:
    """CDK's local bundling hook: builds the bundle with this interpreter's pip."""

    def __init__(self, spec: BundleSpec, platform: Platform) -> None:
        self._spec = spec
        self._platform = platform

    def try_bundle(self, output_dir: str, options: cdk.BundlingOptions) -> bool:
        if importlib.util.find_spec("pip") is None:
            return False  # CDK then bundles in the runtime's Docker build image
        build_bundle(self._spec, self._platform, Path(output_dir))
        return True


def _docker_command(spec: BundleSpec) -> list[str]:
    install = (
        "pip install --no-cache-dir --no-compile --only-binary=:all: --target /asset-output "
        + " ".join(shlex.quote(r) for r in spec.requirements)
        if spec.requirements
        else "true"
    )
    copy = "cp -r --parents " + " ".join(shlex.quote(s) for s in spec.sources) + " /asset-output"
    clean = "find /asset-output -name __pycache__ -prune -exec rm -rf {} +"
    return ["bash", "-c", f"set -euo pipefail; cd /asset-input; {install}; {copy}; {clean}"]


def lambda_code(spec: BundleSpec, platform: Platform | None = None) -> lambda_.Code:
    """The function's code asset: bundled locally, Docker only as a fallback."""
    platform = platform or Platform.lambda_arm64()
    return lambda_.Code.from_asset(
        str(REPO_ROOT),
        asset_hash=bundle_fingerprint(spec, platform),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        bundling=cdk.BundlingOptions(
            image=LAMBDA_RUNTIME.bundling_image,
            platform=platform.docker_platform,
            command=_docker_command(spec),
            # jsii calls try_bundle(output_dir, options) positionally; its stub spells the
            # options out as keywords, which mypy then cannot match.
            local=LocalPipBundling(spec, platform),  # type: ignore[arg-type]
        ),
    )

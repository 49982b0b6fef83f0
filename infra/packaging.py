"""The one Lambda archive: the core package `newsroom/`, the entry points `handlers/` built on
it, and their pinned dependencies.

Every function (resolver, publisher, invalidator, bridge) runs from the same archive, imported
in Lambda as `handlers.resolver` etc., which imports its rules from `newsroom` beside it. The
archive is built deterministically (sorted entries, fixed timestamps and modes), so an unchanged
build has the same bytes and the same hash: Pulumi sees no change and does not redeploy the
functions; a change to either package changes the hash and redeploys them all.

Dependencies (of both packages) are installed once per content of `handlers/requirements.txt`,
for the Lambda platform (Python 3.13 on arm64), and cached under `build/`: later builds, and
the unit tests, work offline.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path

import pulumi

ROOT = Path(__file__).resolve().parent.parent
# The packages shipped, each at the archive root under its own name (where Lambda's Python path
# looks): the core and the entry points that import it.
PACKAGES = ("newsroom", "handlers")
REQUIREMENTS = ROOT / "handlers" / "requirements.txt"
BUILD_DIR = ROOT / "build"

LAMBDA_PYTHON_VERSION = "3.13"
LAMBDA_PLATFORM = "manylinux2014_aarch64"  # the functions run on arm64 (Graviton)

# Zip metadata that would otherwise vary between builds: the zip format's earliest date, and
# plain read-only-for-others file modes (Lambda only needs to read the files).
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644
# Never shipped: bytecode (Lambda compiles on import; .pyc embed timestamps) and console
# scripts (their shebang names the build machine's Python).
_SKIPPED_PARTS = {"__pycache__", "bin"}
# The Lambda Python runtime ships the AWS SDK and what it depends on. A copy in the archive
# (aws-xray-sdk, needed by Powertools' Tracer, pulls botocore in) would shadow the runtime's
# matching boto3/botocore pair with a mismatched version: leave them to the runtime.
RUNTIME_PROVIDED = {  # distribution name → its top-level modules
    "boto3": {"boto3"},
    "botocore": {"botocore"},
    "s3transfer": {"s3transfer"},
    "python_dateutil": {"dateutil"},
    "urllib3": {"urllib3"},
    "six": {"six.py"},
}
_RUNTIME_MODULES = set().union(*RUNTIME_PROVIDED.values())


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def dependencies_dir(requirements: Path = REQUIREMENTS, build_dir: Path = BUILD_DIR) -> Path:
    """The installed dependencies for Lambda, cached by the hash of the requirements file."""
    target = build_dir / f"deps-{_digest(requirements.read_bytes())}"
    if target.is_dir():
        return target
    build_dir.mkdir(parents=True, exist_ok=True)
    # Install beside the target, then rename: an interrupted install never looks complete.
    staging = Path(tempfile.mkdtemp(prefix="deps-", dir=build_dir))
    try:
        subprocess.run(
            [
                sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-compile", "--no-warn-conflicts", "--target", str(staging),
                "--platform", LAMBDA_PLATFORM, "--implementation", "cp",
                "--python-version", LAMBDA_PYTHON_VERSION, "--only-binary=:all:",
                "--requirement", str(requirements),
            ],
            check=True,
        )
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _provided_by_runtime(top_level: str) -> bool:
    if top_level.endswith(".dist-info"):
        return top_level.split("-", 1)[0].lower() in RUNTIME_PROVIDED
    return top_level in _RUNTIME_MODULES


def _shipped(relative: Path) -> bool:
    return not _SKIPPED_PARTS & set(relative.parts)


def _archive_entries(source_dir: Path, deps_dir: Path) -> list[tuple[str, Path]]:
    """(name in the zip, file on disk), sorted by name: the modules of PACKAGES as they sit in
    `source_dir` (the repository), the dependencies beside them at the archive root."""
    entries = [(path.relative_to(source_dir).as_posix(), path)
               for package in PACKAGES for path in (source_dir / package).rglob("*.py")
               if _shipped(path.relative_to(source_dir))]
    for path in deps_dir.rglob("*"):
        relative = path.relative_to(deps_dir)
        shipped = _shipped(relative) and not _provided_by_runtime(relative.parts[0])
        if path.is_file() and shipped and path.suffix != ".pyc":
            entries.append((relative.as_posix(), path))
    return sorted(entries)


def build_zip(source_dir: Path, deps_dir: Path) -> bytes:
    """The archive's bytes: the same inputs always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in _archive_entries(source_dir, deps_dir):
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.external_attr = _FILE_MODE << 16
            info.create_system = 3  # Unix, whatever the build machine
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


def write_archive(source_dir: Path = ROOT, requirements: Path = REQUIREMENTS,
                  build_dir: Path = BUILD_DIR) -> Path:
    """Build the archive into `build/lambda-<content hash>.zip` and return its path."""
    data = build_zip(source_dir, dependencies_dir(requirements, build_dir))
    path = build_dir / f"lambda-{_digest(data)}.zip"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.write_bytes(data)
        os.replace(partial, path)
    return path


@lru_cache(maxsize=1)
def lambda_archive() -> pulumi.Archive:
    """The code of every function of the platform, as a Pulumi archive."""
    return pulumi.FileArchive(str(write_archive()))

"""The Lambda archive: the core package `newsroom/`, the handlers built on it and their pinned
dependencies, byte-for-byte the same for an unchanged build (so `pulumi up` does not redeploy
the functions for nothing), and enough on its own for the handlers to import and run in Lambda."""
from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from newsroom.tables import Tables
from infra import packaging

# Pinned versions by distribution name (extras such as `[tracer]` stripped).
PINNED = {
    name.split("[")[0]: version
    for name, version in (
        line.split("==")
        for line in packaging.REQUIREMENTS.read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
}


@pytest.fixture(scope="module")
def deps_dir() -> Path:
    return packaging.dependencies_dir()  # installed once per requirements, then cached in build/


@pytest.fixture(scope="module")
def archive_path() -> Path:
    return Path(packaging.lambda_archive().path)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checkout(folder: Path) -> Path:
    """A copy of the shipped packages, as a fresh clone would have them."""
    for package in packaging.PACKAGES:
        shutil.copytree(packaging.ROOT / package, folder / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def package_modules(folder: Path, package: str) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in (folder / package).rglob("*.py")
            if "__pycache__" not in path.parts}


def test_two_builds_of_the_same_sources_give_the_same_bytes(tmp_path, deps_dir):
    sources = checkout(tmp_path / "clone")
    first = packaging.build_zip(sources, deps_dir)
    for path in sources.rglob("*.py"):  # a fresh checkout: new timestamps, same contents
        os.utime(path, (1_900_000_000, 1_900_000_000))
    assert sha256(packaging.build_zip(sources, deps_dir)) == sha256(first)
    hashes = {sha256(first)}
    for changed in ("newsroom/entities.py", "handlers/resolver.py"):  # the core, an entry point
        (sources / changed).write_text((sources / changed).read_text() + "\n# changed\n")
        hashes.add(sha256(packaging.build_zip(sources, deps_dir)))
    assert len(hashes) == 3


def test_the_archive_is_named_by_its_content_hash(archive_path):
    data = archive_path.read_bytes()
    assert archive_path.parent == packaging.BUILD_DIR
    assert archive_path.name == f"lambda-{sha256(data)[:16]}.zip"
    assert packaging.write_archive() == archive_path  # rebuilding finds the same file


def test_the_archive_holds_the_core_every_handler_and_the_pinned_powertools(archive_path):
    with zipfile.ZipFile(archive_path) as archive:
        names = archive.namelist()
        infos = archive.infolist()
    core, handlers = package_modules(packaging.ROOT, "newsroom"), package_modules(packaging.ROOT, "handlers")
    assert {"newsroom/__init__.py", "newsroom/entities.py", "newsroom/tables.py"} <= core
    assert {"handlers/__init__.py", "handlers/resolver.py", "handlers/invalidator.py"} <= handlers
    assert core | handlers <= set(names)
    assert not [n for n in names if n.endswith(".py") and n.split("/")[0] in ("infra", "devstack", "tools", "tests")]
    assert "aws_lambda_powertools/__init__.py" in names
    assert f"aws_lambda_powertools-{PINNED['aws-lambda-powertools']}.dist-info/METADATA" in names
    assert names == sorted(names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n.startswith("bin/")]
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_the_dependencies_are_cached_by_the_hash_of_the_requirements(deps_dir):
    digest = sha256(packaging.REQUIREMENTS.read_bytes())[:16]
    assert deps_dir == packaging.BUILD_DIR / f"deps-{digest}"
    assert packaging.dependencies_dir() == deps_dir  # no second install


def test_the_aws_sdk_is_left_to_the_lambda_runtime(tmp_path):
    deps = tmp_path / "deps"
    for name in ("botocore/__init__.py", "botocore-1.44.8.dist-info/METADATA", "six.py",
                 "python_dateutil-2.9.0.post0.dist-info/METADATA", "wrapt/__init__.py", "aws_xray_sdk/__init__.py"):
        (deps / name).parent.mkdir(parents=True, exist_ok=True)
        (deps / name).write_text("# stand-in")
    sources = tmp_path / "clone"
    for package in packaging.PACKAGES:
        (sources / package).mkdir(parents=True)
        (sources / package / "__init__.py").write_text("")
    with zipfile.ZipFile(io.BytesIO(packaging.build_zip(sources, deps))) as archive:
        assert archive.namelist() == ["aws_xray_sdk/__init__.py", "handlers/__init__.py",
                                      "newsroom/__init__.py", "wrapt/__init__.py"]


def lambda_runtime_sdk(folder: Path) -> Path:
    """What the Lambda runtime adds to the archive: the AWS SDK (here, the venv's copy)."""
    folder.mkdir()
    for modules in packaging.RUNTIME_PROVIDED.values():
        for module in modules:
            spec = importlib.util.find_spec(module.removesuffix(".py"))
            source = Path(spec.submodule_search_locations[0]) if spec.submodule_search_locations else Path(spec.origin)
            (folder / source.name).symlink_to(source)
    return folder


# Run in a fresh interpreter with -I -S (no site-packages, no current directory): the archive,
# then the runtime's SDK, are all it can import from. It imports every handler, then hands the
# invalidator one stream record as Lambda would, and prints where the packages came from and the
# handler's answer as its last line.
LAMBDA_INVOCATION = """
import importlib, json, sys
archive, sdk, handler_modules, event = sys.argv[1:]
sys.path[:0] = [archive, sdk]
for module in handler_modules.split(","):
    importlib.import_module(module)
import handlers.invalidator, newsroom

class Context:  # what Lambda passes the handler
    function_name = "saint-esprit-test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:saint-esprit-test"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"

answer = handlers.invalidator.handler(json.loads(event), Context())
print(json.dumps({"handlers": handlers.__file__, "newsroom": newsroom.__file__, "answer": answer}))
"""
TABLES = Tables.named("saint-esprit-test")


def retitled_news_record() -> dict:
    """A stream record of the news table: a news retitled, no media touched (nothing to
    invalidate, so no AWS call; the account id is AWS's documentation placeholder)."""
    image = {"id": {"S": "news-1763451000000"}, "version": {"N": "2"}, "updatedAt": {"N": "1763451060000"}}
    return {
        "eventID": "1", "eventName": "MODIFY", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-3",
        "eventSourceARN": f"arn:aws:dynamodb:eu-west-3:123456789012:table/{TABLES.name('news')}"
                          "/stream/2026-01-01T00:00:00.000",
        "dynamodb": {"Keys": {"id": image["id"]}, "SequenceNumber": "111100000000000000000001",
                     "ApproximateCreationDateTime": 1763451060, "StreamViewType": "NEW_AND_OLD_IMAGES",
                     "OldImage": {**image, "title": {"S": "Flash 7h"}},
                     "NewImage": {**image, "title": {"S": "Flash 7h30"}}},
    }


def test_every_handler_imports_and_runs_in_lambda_from_the_archive_and_the_runtime_sdk(tmp_path, archive_path):
    archive_dir = tmp_path / "task"
    with zipfile.ZipFile(archive_path) as archive:
        archive.extractall(archive_dir)
    sdk = lambda_runtime_sdk(tmp_path / "runtime")
    handler_modules = sorted(f"handlers.{p.stem}" for p in (packaging.ROOT / "handlers").glob("*.py")
                             if p.stem != "__init__")
    environment = {  # what Lambda sets, and what the api/streams/bridge tiers set
        "AWS_LAMBDA_FUNCTION_NAME": "saint-esprit-test", "AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "eu-west-3",
        "GRAPHQL_URL": "https://example.invalid/graphql", "DISTRIBUTION_ID": "E0000000000000",
        "MEDIA_PATH_PREFIX": "/media/", "INVALIDATION_PATHS": "{}", "MAX_INVALIDATION_PATHS": "15",
        "LEGACY_TABLES": "{}", "TOMBSTONE_RETENTION_DAYS": "30",
        "POWERTOOLS_SERVICE_NAME": "invalidator", "POWERTOOLS_METRICS_NAMESPACE": "SaintEsprit",
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
        "AWS_EC2_METADATA_DISABLED": "true",  # no credentials either: any AWS call would fail
        **TABLES.env(),
    }
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LAMBDA_INVOCATION, str(archive_dir), str(sdk), ",".join(handler_modules),
         json.dumps({"Records": [retitled_news_record()]})],
        capture_output=True, text=True, env=environment, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-1500:]
    ran = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(ran["handlers"]).is_relative_to(archive_dir) and Path(ran["newsroom"]).is_relative_to(archive_dir)
    assert ran["answer"] == {"batchItemFailures": []}, result.stdout[-3000:]  # the handler's logs

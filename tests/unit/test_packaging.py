"""The Lambda archive: the handlers and their pinned dependencies, byte-for-byte the same for an
unchanged build (so `pulumi up` does not redeploy the functions for nothing)."""
from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from newsroom.entities import ENTITIES, PRESENCE
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


def test_two_builds_of_the_same_sources_give_the_same_bytes(tmp_path, deps_dir):
    handlers = shutil.copytree(packaging.HANDLERS_DIR, tmp_path / "handlers")
    first = packaging.build_zip(handlers, deps_dir)
    for path in handlers.glob("*.py"):  # a fresh checkout: new timestamps, same contents
        os.utime(path, (1_900_000_000, 1_900_000_000))
    assert sha256(packaging.build_zip(handlers, deps_dir)) == sha256(first)
    (handlers / "entities.py").write_text((handlers / "entities.py").read_text() + "\n# changed\n")
    assert sha256(packaging.build_zip(handlers, deps_dir)) != sha256(first)


def test_the_archive_is_named_by_its_content_hash(archive_path):
    data = archive_path.read_bytes()
    assert archive_path.parent == packaging.BUILD_DIR
    assert archive_path.name == f"lambda-{sha256(data)[:16]}.zip"
    assert packaging.write_archive() == archive_path  # rebuilding finds the same file


def test_the_archive_holds_every_handler_module_and_the_pinned_powertools(archive_path):
    with zipfile.ZipFile(archive_path) as archive:
        names = archive.namelist()
        infos = archive.infolist()
    handler_modules = {f"handlers/{p.name}" for p in packaging.HANDLERS_DIR.glob("*.py")}
    assert {"handlers/__init__.py", "handlers/entities.py", "handlers/errors.py"} <= handler_modules
    assert handler_modules <= set(names)
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
    handlers = tmp_path / "handlers"
    handlers.mkdir()
    (handlers / "__init__.py").write_text("")
    with zipfile.ZipFile(io.BytesIO(packaging.build_zip(handlers, deps))) as archive:
        assert archive.namelist() == ["aws_xray_sdk/__init__.py", "handlers/__init__.py", "wrapt/__init__.py"]


def lambda_runtime_sdk(folder: Path) -> Path:
    """What the Lambda runtime adds to the archive: the AWS SDK (here, the venv's copy)."""
    folder.mkdir()
    for modules in packaging.RUNTIME_PROVIDED.values():
        for module in modules:
            spec = importlib.util.find_spec(module.removesuffix(".py"))
            source = Path(spec.submodule_search_locations[0]) if spec.submodule_search_locations else Path(spec.origin)
            (folder / source.name).symlink_to(source)
    return folder


def test_every_handler_imports_in_lambda_from_the_archive_and_the_runtime_sdk(tmp_path, archive_path):
    archive_dir = tmp_path / "task"
    with zipfile.ZipFile(archive_path) as archive:
        archive.extractall(archive_dir)
    sdk = lambda_runtime_sdk(tmp_path / "runtime")
    modules = sorted(f"handlers.{p.stem}" for p in packaging.HANDLERS_DIR.glob("*.py") if p.stem != "__init__")
    # -I -S: no site-packages, no current directory: only the archive, then the runtime's SDK.
    script = (f"import sys; sys.path[:0] = [{str(archive_dir)!r}, {str(sdk)!r}]; "
              f"import importlib; [importlib.import_module(m) for m in {modules!r}]; "
              "import handlers; print(handlers.__file__)")
    environment = {  # what Lambda sets, and what the streams/api tiers set
        "AWS_LAMBDA_FUNCTION_NAME": "saint-esprit-test", "AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "eu-west-3",
        "GRAPHQL_URL": "https://example.invalid/graphql", "DISTRIBUTION_ID": "E0000000000000",
        **{e.table_env: f"t-{e.name}" for e in ENTITIES}, PRESENCE.table_env: "t-presence",
    }
    result = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True,
                            env=environment, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-1500:]
    assert result.stdout.strip().startswith(str(archive_dir))

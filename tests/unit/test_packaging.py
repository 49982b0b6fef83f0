"""The Lambda archive: the handlers and their pinned dependencies, byte-for-byte the same for an
unchanged build (so `pulumi up` does not redeploy the functions for nothing)."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra import packaging

PINNED = dict(
    line.split("==") for line in packaging.REQUIREMENTS.read_text().splitlines() if "==" in line and not line.startswith("#")
)


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


def test_the_handlers_import_from_the_archive_alone(tmp_path, archive_path):
    with zipfile.ZipFile(archive_path) as archive:
        archive.extractall(tmp_path)
    # -I -S: no site-packages, no current directory: only what the archive brings (and the
    # standard library, as in Lambda, whose runtime adds boto3).
    script = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); "
              "import handlers.entities, handlers.errors, aws_lambda_powertools.utilities.batch; "
              "print(handlers.entities.__file__)")
    result = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(str(tmp_path))

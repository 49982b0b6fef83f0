"""The station's own newsroom app served by the platform, its storage script swapped.

The station keeps its app folder as it is (its repository's `frontend/`: `index.html`, classic
scripts under `js/`). At serve or upload time, `index.html`'s tag loading the old storage
(`js/core/storage-dynamodb-v2.js`) is replaced by one loading the platform's classic storage
bundle (`frontend/dist/assets.json["station"]`, built by `make frontend`); every other file is
served unchanged. Used by the CDN tier at upload time and by the local stack (`--app-dir`).

Cache rules, as for the platform's own frontend (docs/contracts.md): HTML `no-cache`; the
bundle's content-hashed `assets/*` immutable; the app's own files are not content-hashed, so
they get the short edge TTL.

Pure Python (no Pulumi import): unit-tested directly, imported by the local stack.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

from infra.cache_rules import CONFIG_FILE, IMMUTABLE, NO_CACHE, SHORT_LIVED, content_type

LEGACY_STORAGE_SCRIPT = "js/core/storage-dynamodb-v2.js"
BUNDLE_KEY = "station"  # frontend/dist/assets.json key of the classic storage bundle
INDEX = "index.html"

# The whole <script> element loading the old storage, wherever the folder is rooted
# (`js/core/…`, `./js/core/…`, `/js/core/…`) and with any cache-busting query (`?v=3`).
_LEGACY_TAG = re.compile(
    r"<script\b[^>]*?\bsrc\s*=\s*([\"']?)(?:[^\"'\s>]*/)?"
    + re.escape(LEGACY_STORAGE_SCRIPT)
    + r"(?:\?[^\"'\s>]*)?\1(?=[\s>])[^>]*>\s*</script\s*>",
    re.IGNORECASE,
)


class StationAppError(Exception):
    """The app folder or the build cannot be served as the station's app (message says why)."""


def swap_storage_tag(page: str, bundle_src: str) -> str:
    """`page` with its old storage <script> tag(s) replaced by one loading `bundle_src`."""
    swapped, count = _LEGACY_TAG.subn(
        f'<script src="{html.escape(bundle_src, quote=True)}"></script>', page
    )
    if not count:
        raise StationAppError(
            f'no <script src="…/{LEGACY_STORAGE_SCRIPT}"></script> tag to replace with the '
            "platform's storage bundle"
        )
    return swapped


def bundle_src(dist_dir: Path) -> str:
    """The site path of the classic storage bundle, from the build's `assets.json`."""
    manifest = dist_dir / "assets.json"
    try:
        assets = json.loads(manifest.read_text())
        return "/" + assets[BUNDLE_KEY]
    except (OSError, ValueError, KeyError, TypeError):
        raise StationAppError(
            f"{manifest} names no {BUNDLE_KEY!r} bundle (the storage bundle for the station's "
            "app): run `make frontend`"
        ) from None


def station_file(app_dir: Path, dist_dir: Path, key: str) -> tuple[bytes | Path, str, str] | None:
    """One file of the served app: (body, content type, cache control), None when it is not
    part of it. `assets/*` come from the build (else the app); `index.html` has its storage tag
    swapped (bytes); anything else is the app's file (its path). Dot-files and folders (`.git`,
    `.env`) are never served, nor `config.json` (the platform writes its own)."""
    if not key or any(part in ("", "..") or part.startswith(".") for part in key.split("/")):
        return None
    built = dist_dir / key
    if key.startswith("assets/") and built.is_file():
        return built, content_type(key), IMMUTABLE  # content-hashed by the build
    path = app_dir / key
    # A symbolic link leading out of the app's folder is not part of the app.
    if key == CONFIG_FILE or not path.is_file() \
            or not path.resolve().is_relative_to(app_dir.resolve()):
        return None
    if key == INDEX:
        try:
            page = swap_storage_tag(path.read_text(encoding="utf-8"), bundle_src(dist_dir))
        except StationAppError as error:
            raise StationAppError(f"{path}: {error}") from None
        return page.encode("utf-8"), content_type(key), NO_CACHE
    return path, content_type(key), NO_CACHE if key.endswith(".html") else SHORT_LIVED


def station_files(app_dir: Path, dist_dir: Path) -> list[tuple[str, bytes | Path, str, str]]:
    """Every file to publish, sorted by key: (key, body, content type, cache control). The
    app's files (index.html swapped) and the build's `assets/*`. Raises StationAppError when
    the folder has no index.html or no old storage tag, the build has no station bundle, or an
    app file would be shadowed by a build asset."""
    app_dir, dist_dir = Path(app_dir), Path(dist_dir)
    if not (app_dir / INDEX).is_file():
        raise StationAppError(f"{app_dir / INDEX} is missing: is this the app's folder?")
    bundle_src(dist_dir)  # the build is there before anything is listed
    built = [p.relative_to(dist_dir).as_posix() for p in (dist_dir / "assets").rglob("*")
             if p.is_file()]
    own = [p.relative_to(app_dir).as_posix() for p in app_dir.rglob("*") if p.is_file()]
    shadowed = set(own) & set(built)
    if shadowed:
        raise StationAppError(
            f"{app_dir}: {', '.join(sorted(shadowed))} would be replaced by the build's file "
            "of the same name"
        )
    files = ((key, station_file(app_dir, dist_dir, key)) for key in sorted(own + built))
    return [(key, *found) for key, found in files if found is not None]

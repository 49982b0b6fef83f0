"""The built frontend as S3 objects, each with the content type and cache policy it needs.

Why the cache headers matter (DOMAIN.md): the old distribution cached everything for a day, so
users ran stale code. Now the app shell (`index.html`, `config.json`) is `no-cache` (the browser
and CloudFront revalidate every time), content-hashed bundles are immutable (a new build has
new names), and anything else lives at most five minutes.

`config.json` is not part of the build: it is written here from the stack's outputs, so the
frontend never carries an id of its own.

The same upload publishes the station's own app instead of the built newsroom page when the
stack names its folder (infra/station_app.py lists its files, `index.html` swapped).
"""
from __future__ import annotations

import json
import mimetypes
import re
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

CONFIG_FILE = "config.json"
NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_LIVED = "public, max-age=300"

# A content-hashed bundle under assets/: `<name>-<hash>.<ext>`, the hash being esbuild's (8
# upper-case base32 characters, frontend/build.mjs) or a hex digest. Not any 8-letter word:
# `assets/app-settings.js` is not hashed and must not be cached for a year.
HASHED_ASSET = re.compile(r"^assets/(.+/)?[^/]+-(?:[A-Z0-9]{8}|[0-9a-f]{8,})\.[A-Za-z0-9]+$")

# Types the browser must get exactly (module scripts are refused with a wrong type); the rest
# comes from the standard table.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".mp3": "audio/mpeg",
    ".txt": "text/plain; charset=utf-8",
}


# One file to publish: (key, body (a file, or bytes rewritten at upload), content type, cache control).
SiteFile = tuple[str, bytes | Path, str, str]


class SiteNotBuilt(RuntimeError):
    """The frontend build output is missing: nothing to deploy."""


def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def cache_control(key: str) -> str:
    if key.endswith(".html") or key == CONFIG_FILE:
        return NO_CACHE
    if HASHED_ASSET.match(key):
        return IMMUTABLE
    return SHORT_LIVED


def site_files(site_dir: Path) -> list[str]:
    """The keys to upload (paths relative to the build folder), sorted. A `config.json` left in
    the folder (e.g. by the local stack) is skipped: the stack writes its own."""
    if not (site_dir / "index.html").is_file():
        raise SiteNotBuilt(
            f"the frontend build output {site_dir} has no index.html: run `make frontend` "
            "(or `cd frontend && npm ci && npm run build`) before `pulumi up`"
        )
    keys = (p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file())
    return sorted(key for key in keys if key != CONFIG_FILE)


def site_objects(site_dir: Path) -> list[SiteFile]:
    """The built frontend as files to publish (see SiteFile), from `site_files`."""
    return [(key, site_dir / key, content_type(key), cache_control(key)) for key in site_files(site_dir)]


def site_config(frontend_config: dict[str, Any], media_bucket: str, media_base_url: str) -> dict[str, Any]:
    """The frontend's `config.json` (docs/contracts.md): the stack's endpoints and ids."""
    return {**frontend_config, "mediaBucket": media_bucket, "mediaBaseUrl": media_base_url}


def config_json(config: dict[str, Any]) -> str:
    return json.dumps(config, indent=2, sort_keys=True)


def upload_site(
    name: str,
    bucket: pulumi.Input[str],
    files: list[SiteFile],
    config_content: pulumi.Input[str],
    parent: pulumi.Resource,
) -> list[aws.s3.BucketObjectv2]:
    """One object per file (the built frontend's or the station's app's) plus the generated
    `config.json`. A page rewritten at upload time (the station's `index.html`) is text."""
    opts = pulumi.ResourceOptions(parent=parent)

    def body(value: bytes | Path) -> dict[str, Any]:
        if isinstance(value, bytes):
            return {"content": value.decode("utf-8")}
        return {"source": pulumi.FileAsset(str(value))}

    objects = [
        aws.s3.BucketObjectv2(
            f"{name}-{key}", bucket=bucket, key=key, content_type=kind, cache_control=cache, opts=opts,
            **body(value),
        )
        for key, value, kind, cache in files
    ]
    objects.append(
        aws.s3.BucketObjectv2(
            f"{name}-{CONFIG_FILE}",
            bucket=bucket,
            key=CONFIG_FILE,
            content=config_content,
            content_type=content_type(CONFIG_FILE),
            cache_control=cache_control(CONFIG_FILE),
            opts=opts,
        )
    )
    return objects

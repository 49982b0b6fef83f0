"""The built frontend as S3 objects, each with the content type and cache policy it needs.

How each file is cached and typed: infra/cache_rules.py (the rule the local stack serves too).

`config.json` is not part of the build: it is written here from the stack's outputs, so the
frontend never carries an id of its own.

The same upload publishes the station's own app instead of the built newsroom page when the
stack names its folder (infra/station_app.py lists its files, `index.html` swapped).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.cache_rules import CONFIG_FILE, cache_control, content_type

# One file to publish: (key, body (a file, or bytes rewritten at upload), content type, cache control).
SiteFile = tuple[str, bytes | Path, str, str]


class SiteNotBuilt(RuntimeError):
    """The frontend build output is missing: nothing to deploy."""


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

"""How every published file is cached and typed: one rule for the CDN upload (infra/site.py),
the station's app folder (infra/station_app.py) and the local stack (devstack/web.py).

Before the platform, CloudFront cached everything for 24 h and users ran stale code. Now the
app shell (`*.html`, `config.json`) is `no-cache` (revalidated every time), content-hashed
bundles are immutable (a new build has new names), anything else lives 5 minutes at most.
Pure Python: no Pulumi import, so the local stack can use it.
"""
from __future__ import annotations

import mimetypes
import re
from pathlib import Path

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


def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def cache_control(key: str) -> str:
    if key.endswith(".html") or key == CONFIG_FILE:
        return NO_CACHE
    if HASHED_ASSET.match(key):
        return IMMUTABLE
    return SHORT_LIVED

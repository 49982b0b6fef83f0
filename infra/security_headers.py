"""The security headers of the site and of media: one definition, applied by the CDN (response
headers policies and a viewer-response function, infra/cdn.py) and by the local stack
(devstack/web.py), so what is tested locally is what CloudFront sends.

Media (`/media/*`) is user-uploaded: a volunteer can store `text/html` or `image/svg+xml` under
their prefix, and the site's own origin would run it (stored XSS). So every media response is
sandboxed with no rights at all (`Content-Security-Policy: sandbox; default-src 'none'`), never
sniffed, and anything that is not audio is sent as an attachment (downloaded, never rendered).
CloudFront cannot rewrite a content type from a policy, so the attachment rule is a CloudFront
Function on viewer response (MEDIA_RESPONSE_FUNCTION), generated from the same pattern as
`media_headers`.

The site gets a Content-Security-Policy built from its own config.json (docs/contracts.md): its
scripts, Cognito (user pools, identity pools, the hosted UI), AppSync (https and wss) and the
media bucket's S3 endpoint. When it serves the station's app, the app's page adds what it loads
from elsewhere (its CDN scripts and stylesheets, read from the page itself) and `'unsafe-inline'`
scripts: the app runs inline `<script>` blocks and inline `onclick="app.…"` handlers, which a
nonce or hash cannot allow without changing the app, and the platform does not change the app.

Pure Python (no Pulumi import): unit-tested directly and imported by the local stack.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

HSTS_MAX_AGE = 63_072_000  # two years, as hstspreload.org asks
FRAME_OPTIONS = "DENY"
REFERRER_POLICY = "strict-origin-when-cross-origin"
# CloudFront refuses a response headers policy whose Content-Security-Policy is longer.
CSP_MAX_LENGTH = 1783

# Sent with every response, site and media (HSTS is the CDN's alone: see `site_headers`).
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": FRAME_OPTIONS,
    "Referrer-Policy": REFERRER_POLICY,
}

MEDIA_CSP = "sandbox; default-src 'none'"
ATTACHMENT = "attachment"
# One audio type, optionally with parameters (`audio/mpeg`, `audio/webm;codecs=opus`); compared
# case-insensitively. Written in the syntax Python and JavaScript read alike (the CloudFront
# Function uses this very string).
AUDIO_CONTENT_TYPE = r"^audio/[a-z0-9][a-z0-9.+-]*\s*(;.*)?$"
_AUDIO = re.compile(AUDIO_CONTENT_TYPE, re.IGNORECASE)


def is_audio(content_type: str | None) -> bool:
    return bool(content_type) and _AUDIO.match(content_type.strip()) is not None


def media_headers(content_type: str | None) -> dict[str, str]:
    """The security headers of one media response, given the content type it is served with."""
    headers = {**COMMON_HEADERS, "Content-Security-Policy": MEDIA_CSP}
    if not is_audio(content_type):
        headers["Content-Disposition"] = ATTACHMENT
    return headers


# CloudFront Functions runtime (cloudfront-js-2.0). Headers arrive lower-cased; viewer-response
# functions do not run on 4xx/5xx (a missing file stays a plain 404).
MEDIA_RESPONSE_FUNCTION = f"""\
var AUDIO = new RegExp({json.dumps(AUDIO_CONTENT_TYPE)}, 'i');
function handler(event) {{
  var response = event.response;
  var type = response.headers['content-type'];
  if (!type || !AUDIO.test(type.value.trim())) {{
    response.headers['content-disposition'] = {{value: {json.dumps(ATTACHMENT)}}};
  }}
  return response;
}}
"""


def _origin(url: str | None, scheme: str | None = None) -> str | None:
    """`https://host[:port]` of a URL (or of a bare `host[:port]` with `scheme`)."""
    if not url:
        return None
    parts = urlsplit(url if "://" in url else f"{scheme}://{url}")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


# External resources of the station's page: <script src=…> and <link rel=stylesheet href=…>,
# and the Cognito hosted UI its inline settings name (the app posts to its /oauth2/token).
_COGNITO_HOSTED_UI = re.compile(r"\b[a-z0-9-]+\.auth\.[a-z0-9-]+\.amazoncognito\.com\b", re.IGNORECASE)
_SCRIPT_SRC = re.compile(r"<script\b[^>]*?\bsrc\s*=\s*[\"']?(https?://[^\"'\s>]+)", re.IGNORECASE)
_STYLESHEET = re.compile(r"<link\b(?=[^>]*\brel\s*=\s*[\"']?stylesheet)[^>]*?\bhref\s*=\s*[\"']?(https?://[^\"'\s>]+)",
                         re.IGNORECASE)


def page_origins(page: str) -> dict[str, list[str]]:
    """The other origins a page loads scripts and stylesheets from (e.g. the station's app loads
    the AWS SDK and lamejs from CDNs), and the hosted UIs it signs in with."""
    found = {kind: sorted({o for o in map(_origin, pattern.findall(page)) if o})
             for kind, pattern in (("scripts", _SCRIPT_SRC), ("styles", _STYLESHEET))}
    found["hosted_ui"] = sorted({f"https://{host.lower()}" for host in _COGNITO_HOSTED_UI.findall(page)})
    return found


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def site_csp(config: Mapping[str, Any], station_page: str | None = None) -> str:
    """The site's Content-Security-Policy, from the config.json the site is served with, and
    the station's (swapped) index.html when the site is the station's app."""
    region = config["region"]
    hosted_ui = (config.get("hostedUi") or {}).get("domain")
    station = station_page is not None
    loaded = page_origins(station_page) if station else {"scripts": [], "styles": [], "hosted_ui": []}
    connect = _unique([
        "'self'",
        _origin(config.get("graphqlUrl")), _origin(config.get("realtimeUrl")),
        f"https://cognito-idp.{region}.amazonaws.com", f"https://cognito-identity.{region}.amazonaws.com",
        _origin(hosted_ui, "https"),
        f"https://{config['mediaBucket']}.s3.{region}.amazonaws.com" if config.get("mediaBucket") else None,
        _origin(config.get("mediaBaseUrl")),
        *(_origin(url) for url in (config.get("endpoints") or {}).values()),
        *loaded["hosted_ui"],
    ])
    media = _unique(["'self'", "blob:", _origin(config.get("mediaBaseUrl"))])
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *(["'unsafe-inline'"] if station else []), *loaded["scripts"]],
        # Inline styles cannot run code; the conflict dialog (shared with the station's app)
        # carries its own.
        "style-src": ["'self'", "'unsafe-inline'", *loaded["styles"]],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:", *loaded["styles"]],  # a CDN stylesheet's fonts
        "media-src": media,
        "connect-src": connect,
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    policy = "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())
    if len(policy) > CSP_MAX_LENGTH:
        raise ValueError(f"the site's Content-Security-Policy is {len(policy)} characters; "
                         f"CloudFront accepts at most {CSP_MAX_LENGTH}")
    return policy


def site_headers(config: Mapping[str, Any], station_page: str | None = None) -> dict[str, str]:
    """The security headers of every site response, as the local stack sends them. The CDN also
    sends Strict-Transport-Security; the local stack does not, because a browser would then
    refuse plain HTTP on that host name for two years (a developer's `localhost`)."""
    return {**COMMON_HEADERS, "Content-Security-Policy": site_csp(config, station_page)}

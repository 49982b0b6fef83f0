"""Audio clips: uploaded from the browser with the identity pool's temporary credentials into
the media bucket (under the identity's own prefix), served at the CDN URL, deleted again."""
from __future__ import annotations

import re

import pytest
import requests

pytestmark = pytest.mark.e2e

UPLOAD = """async (bytes) => {
    const data = new Blob([new Uint8Array(bytes)], { type: 'audio/mpeg' });
    return window.Storage.saveAudioFile('news-audio-test', { data, type: 'audio/mpeg' });
}"""


def test_an_audio_clip_is_uploaded_served_by_the_cdn_and_deleted(signed_in_page, stack):
    page = signed_in_page("journalist")
    clip = list(b"ID3\x04\x00" + bytes(range(256)) * 8)

    saved = page.evaluate(UPLOAD, clip)

    assert saved["bucket"] == stack.config["mediaBucket"]
    assert saved["key"].startswith("media/audio/") and saved["key"].endswith(".mp3")
    identity_id = saved["key"].split("/")[2]
    assert re.fullmatch(r"[a-z0-9-]+:[0-9a-f-]{36}", identity_id), "the uploader's own identity prefix"
    assert saved["url"] == f"{stack.config['mediaBaseUrl']}{saved['key'][len('media'):]}"
    served = requests.get(saved["url"], verify=str(stack.ca_path), timeout=10)
    assert served.status_code == 200
    assert served.content == bytes(clip)
    assert served.headers["content-type"] == "audio/mpeg"

    assert page.evaluate("(url) => window.Storage.deleteAudioFile(url)", saved["url"]) is True
    gone = requests.get(saved["url"], verify=str(stack.ca_path), timeout=10)
    assert gone.status_code == 404
    assert "html" not in gone.headers.get("content-type", ""), "a missing clip is never the app's page"

"""Audio out of legacy items and into the media bucket.

Legacy items sometimes embed their audio as base64 (`audioData`, ~1.9 MB per minute): that never
belongs in a table (the API refuses it), so the migration decodes it, stores it in the media
bucket and leaves the item the `audioUrl`/`audioKey`/`audioSize` the app uses today. Optionally,
audio kept in the old public bucket (`audio/{user}/{id}`) is copied next to it, so nothing keeps
pointing at the old bucket once it is retired. Keys are derived from the content or the old key,
so a second run finds the object already there and uploads nothing.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from newsroom.errors import ValidationError
from newsroom.items import EMBEDDED_AUDIO_FIELD

MIGRATED_PREFIX = "media/audio/migrated/"
_DATA_URL = re.compile(r"^\s*data:(audio/[\w.+-]+)[^,]*?;base64,(.*)$", re.IGNORECASE | re.DOTALL)
_EXTENSIONS = {
    "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/wav": "wav", "audio/x-wav": "wav",
    "audio/wave": "wav", "audio/ogg": "ogg", "audio/webm": "webm", "audio/mp4": "m4a",
    "audio/x-m4a": "m4a", "audio/aac": "aac", "audio/flac": "flac",
}


@dataclass
class AudioCounts:
    embedded_moved: int = 0
    public_copied: int = 0
    bytes_stored: int = 0
    missing_public: list[dict[str, str]] = field(default_factory=list)


class MediaMover:
    def __init__(
        self,
        s3,
        *,
        media_bucket: str,
        media_base_url: str,
        dry_run: bool,
        public_bucket: str | None = None,
        public_url_prefixes: tuple[str, ...] = (),
    ):
        self.s3 = s3
        self.media_bucket = media_bucket
        self.media_base_url = media_base_url.rstrip("/")
        self.dry_run = dry_run
        self.public_bucket = public_bucket  # None: leave old-bucket URLs as they are
        self.public_url_prefixes = public_url_prefixes
        self.counts = AudioCounts()

    def move_audio(self, item_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """The item's fields with its audio in the media bucket (a new dict; `data` is the legacy
        copy and stays as read)."""
        if data.get(EMBEDDED_AUDIO_FIELD):
            key, size = self._store_embedded(item_id, str(data[EMBEDDED_AUDIO_FIELD]))
            data = {k: v for k, v in data.items() if k != EMBEDDED_AUDIO_FIELD}
            data.update(self._media_fields(key), audioSize=size, hasAudio=True)
        elif self.public_bucket:
            source_key = self._public_key(data)
            if source_key:
                data = self._copy_public(item_id, data, source_key)
        return self._replace_nested_audio(item_id, data)

    # --------------------------------------------------------------- embedded base64 audio
    def _replace_nested_audio(self, item_id: str, value: Any) -> Any:
        """Base64 audio elsewhere in the item (a legacy `sounds[].url`) replaced by its media
        URL: the API refuses base64 audio anywhere in an item."""
        if isinstance(value, str) and _DATA_URL.match(value):
            key, _ = self._store_embedded(item_id, value)
            return self._media_fields(key)["audioUrl"]
        if isinstance(value, dict):
            return {k: self._replace_nested_audio(item_id, v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._replace_nested_audio(item_id, v) for v in value]
        return value

    def _store_embedded(self, item_id: str, data_url: str) -> tuple[str, int]:
        """Store one `data:audio/...;base64,...` URL's audio; its media key and size."""
        match = _DATA_URL.match(data_url)
        if not match:
            raise ValidationError(f"{EMBEDDED_AUDIO_FIELD} is not a data:audio/...;base64 URL")
        content_type = match.group(1).lower()
        try:
            audio = base64.b64decode(match.group(2), validate=False)
        except (binascii.Error, ValueError) as error:
            raise ValidationError(f"{EMBEDDED_AUDIO_FIELD} is not valid base64: {error}") from None
        extension = _EXTENSIONS.get(content_type, content_type.split("/", 1)[1])
        digest = hashlib.sha256(audio).hexdigest()[:12]
        key = f"{MIGRATED_PREFIX}{_key_safe(item_id)}-{digest}.{extension}"
        self._put_once(key, lambda: self.s3.put_object(
            Bucket=self.media_bucket, Key=key, Body=audio, ContentType=content_type), len(audio))
        self.counts.embedded_moved += 1
        return key, len(audio)

    # ------------------------------------------------------------- old public bucket audio
    def _public_key(self, data: dict[str, Any]) -> str | None:
        """The old bucket's key of the item's audio, if its URL or key points there."""
        url = str(data.get("audioUrl") or "")
        for prefix in self.public_url_prefixes:
            if url.startswith(prefix):
                return url[len(prefix):].split("?", 1)[0]
        key = str(data.get("audioKey") or "")
        return key if key.startswith("audio/") and not url.startswith(self.media_base_url) else None

    def _copy_public(self, item_id: str, data: dict[str, Any], source_key: str) -> dict[str, Any]:
        head = self._head(self.public_bucket, source_key)
        if head is None:  # reported; the item keeps its old URL
            self.counts.missing_public.append({"id": item_id, "key": source_key})
            return data
        path = PurePosixPath(source_key.removeprefix("audio/"))
        content_type = head.get("ContentType") or ""
        if not content_type.startswith("audio/"):
            content_type = mimetypes.guess_type(path.name)[0] or "audio/mpeg"
        if not path.suffix:  # old keys were often bare ids: browsers need a type, people an extension
            path = path.with_name(f"{path.name}.{_EXTENSIONS.get(content_type, 'mp3')}")
        key = f"{MIGRATED_PREFIX}{path}"
        self._put_once(key, lambda: self.s3.copy_object(
            Bucket=self.media_bucket, Key=key, ContentType=content_type, MetadataDirective="REPLACE",
            CopySource={"Bucket": self.public_bucket, "Key": source_key}), int(head["ContentLength"]))
        self.counts.public_copied += 1
        copied = dict(data)
        copied.update(self._media_fields(key), audioSize=int(head["ContentLength"]))
        return copied

    # ----------------------------------------------------------------------------- shared
    def _media_fields(self, key: str) -> dict[str, str]:
        # CloudFront serves the media bucket under /media/*: the URL drops the key's "media/".
        return {"audioUrl": f"{self.media_base_url}/{key.removeprefix('media/')}", "audioKey": key}

    def _put_once(self, key: str, put, size: int) -> None:
        """Store an object unless a dry run or an earlier run already did."""
        if self.dry_run or self._head(self.media_bucket, key) is not None:
            return
        put()
        self.counts.bytes_stored += size

    def _head(self, bucket: str, key: str) -> dict[str, Any] | None:
        try:
            return self.s3.head_object(Bucket=bucket, Key=key)
        except self.s3.exceptions.ClientError as error:
            if error.response["Error"]["Code"] not in ("404", "NoSuchKey", "NotFound"):
                raise
            return None


def _key_safe(item_id: str) -> str:
    return re.sub(r"[^\w.-]", "_", item_id)

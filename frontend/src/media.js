// Audio files in the media bucket, written with the identity pool's temporary credentials.
// aws-amplify/storage cannot reach a plain-HTTP, path-style endpoint (moto in the local
// stack), and the AWS SDK would weigh more than the rest of the bundle; an S3 PUT is one
// signed request, so it is signed here with Amplify's own SigV4 signer.
import {
  getHashedPayload,
  signRequest,
} from '@aws-amplify/core/internals/aws-client-utils';

const EXTENSIONS = {
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/ogg': 'ogg',
  'audio/webm': 'webm',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'audio/flac': 'flac',
};

export function extensionFor(mimeType) {
  const type = String(mimeType ?? '').split(';')[0].trim().toLowerCase();
  return EXTENSIONS[type] ?? (type.startsWith('audio/') ? type.slice(6).replace(/[^a-z0-9]/g, '') : 'bin');
}

/** Bucket key of a new upload: media/audio/<identity id>/<item id>-<random>.<ext>. The
 * identity pool's role may write only under its own identity id; the random part means a
 * re-recorded clip never reuses a URL that CloudFront may still hold. */
export function audioKey(identityId, itemId, mimeType, random = crypto.randomUUID().slice(0, 8)) {
  const safeId = String(itemId).replace(/[^A-Za-z0-9._-]/g, '_');
  return `media/audio/${identityId}/${safeId}-${random}.${extensionFor(mimeType)}`;
}

/** Public URL of a media key: CloudFront serves the bucket's `media/` prefix at mediaBaseUrl. */
export function mediaUrl(mediaBaseUrl, key) {
  return `${mediaBaseUrl.replace(/\/$/, '')}${key.slice('media'.length)}`;
}

/** The key behind a media URL (or the key itself). */
export function keyFromUrl(mediaBaseUrl, urlOrKey) {
  const base = mediaBaseUrl.replace(/\/$/, '');
  return urlOrKey.startsWith(base) ? `media${urlOrKey.slice(base.length)}` : urlOrKey;
}

/** The object's URL: path-style on a custom endpoint (moto), virtual-host style in AWS. */
export function objectUrl(config, key) {
  const path = key.split('/').map(encodeURIComponent).join('/');
  const custom = config.endpoints?.s3;
  if (custom) return new URL(`${custom.replace(/\/$/, '')}/${config.mediaBucket}/${path}`);
  return new URL(`https://${config.mediaBucket}.s3.${config.region}.amazonaws.com/${path}`);
}

/** Bytes of what the app passes as audio: a data: URL or bare base64 (legacy), a Blob, an
 * ArrayBuffer or a typed array. */
export async function audioBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof Blob !== 'undefined' && data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  if (typeof data === 'string') {
    const base64 = data.startsWith('data:') ? data.slice(data.indexOf(',') + 1) : data;
    return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  }
  throw new TypeError('audio data must be a Blob, an ArrayBuffer, a typed array or base64 text');
}

/** A SigV4-signed S3 request, ready for fetch. */
export function signedS3Request({ method, url, body, contentType, credentials, region, now }) {
  const headers = { 'x-amz-content-sha256': getHashedPayload(body ?? null) };
  if (contentType) headers['content-type'] = contentType;
  const signed = signRequest(
    { method, url, headers, body },
    { credentials, signingRegion: region, signingService: 's3', uriEscapePath: false, signingDate: now },
  );
  // The browser sets Host itself and refuses a script that tries to.
  const { host: _host, ...sendable } = signed.headers;
  return { url: url.toString(), init: { method, headers: sendable, body } };
}

export async function sendS3(request) {
  const response = await fetch(request.url, request.init);
  if (!response.ok) {
    const detail = await response.text().catch(() => '');
    throw new Error(`media storage refused ${request.init.method}: HTTP ${response.status} ${detail.slice(0, 200)}`);
  }
  return response;
}

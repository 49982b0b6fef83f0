// The app's audio clips in the media bucket: uploaded with the identity pool's credentials
// under the user's own prefix, read back through CloudFront (public, CORS-enabled, as the app
// plays and fetches them), deleted by key. The signing and key rules are media.js's; these
// functions add the signed-in identity and the stack's config (config.json: region,
// mediaBucket, mediaBaseUrl, endpoints). docs/contracts.md, "Media".
import { fetchAuthSession } from 'aws-amplify/auth';

import { audioBytes, audioKey, keyFromUrl, mediaUrl, objectUrl, sendS3, signedS3Request } from '../media.js';

/** Upload a clip as `<name>-<random>.<ext>` under the identity's prefix: {url, key, bucket}. */
export async function putMedia(config, name, data, type) {
  const { credentials, identityId } = await fetchAuthSession();
  if (!credentials || !identityId) throw new Error('no media credentials: is the identity pool configured?');
  const key = audioKey(identityId, name, type);
  const request = signedS3Request({
    method: 'PUT',
    url: objectUrl(config, key),
    body: await audioBytes(data),
    contentType: type,
    credentials,
    region: config.region,
  });
  await sendS3(request);
  return { url: mediaUrl(config.mediaBaseUrl, key), key, bucket: config.mediaBucket };
}

/** The multitrack editor's `s3.upload(params)`: the clip goes to the media bucket under
 * the user's own prefix whatever Bucket and Key it names (its bucket is the old stack's). */
export async function uploadMedia(config, { Key, Body, ContentType = 'audio/mpeg' }) {
  const name = String(Key ?? 'clip').split('/').pop().replace(/\.[^.]*$/, '');
  const { url, key, bucket } = await putMedia(config, name, Body, ContentType);
  return { Location: url, Key: key, Bucket: bucket };
}

/** The clip behind a media URL or key, as a Blob (served by CloudFront); null if missing. */
export async function fetchMedia(config, urlOrKey) {
  const key = keyFromUrl(config.mediaBaseUrl, urlOrKey);
  const response = await fetch(mediaUrl(config.mediaBaseUrl, key));
  if (!response.ok) return null;
  return response.blob();
}

export async function deleteMedia(config, urlOrKey) {
  const { credentials } = await fetchAuthSession();
  const key = keyFromUrl(config.mediaBaseUrl, urlOrKey);
  await sendS3(signedS3Request({ method: 'DELETE', url: objectUrl(config, key), credentials, region: config.region }));
  return true;
}

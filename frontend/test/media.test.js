import assert from 'node:assert/strict';
import { test } from 'node:test';

import { audioBytes, audioKey, extensionFor, keyFromUrl, mediaUrl, objectUrl, signedS3Request } from '../src/media.js';

test('upload keys sit under the identity\'s own prefix with the right extension', () => {
  assert.equal(audioKey('eu-west-3:abc', 'news-1', 'audio/mpeg', 'r4nd'), 'media/audio/eu-west-3:abc/news-1-r4nd.mp3');
  assert.equal(audioKey('id', 'a b/c', 'audio/wav', 'x'), 'media/audio/id/a_b_c-x.wav');
  assert.equal(extensionFor('audio/webm;codecs=opus'), 'webm');
  assert.equal(extensionFor('application/octet-stream'), 'bin');
  assert.match(audioKey('id', 'n', 'audio/mpeg'), /^media\/audio\/id\/n-[0-9a-f]{8}\.mp3$/);
});

test('CloudFront serves media/ at mediaBaseUrl, and back', () => {
  const url = mediaUrl('https://site.example/media', 'media/audio/id/n-x.mp3');
  assert.equal(url, 'https://site.example/media/audio/id/n-x.mp3');
  assert.equal(keyFromUrl('https://site.example/media/', url), 'media/audio/id/n-x.mp3');
  assert.equal(keyFromUrl('https://site.example/media', 'media/audio/k.mp3'), 'media/audio/k.mp3');
});

test('object URLs: path-style on the local endpoint, virtual-host style in AWS', () => {
  const key = 'media/audio/eu-west-3:abc/n-1.mp3';
  assert.equal(objectUrl({ mediaBucket: 'b', region: 'eu-west-3', endpoints: { s3: 'http://127.0.0.1:9000/' } }, key).href,
    'http://127.0.0.1:9000/b/media/audio/eu-west-3%3Aabc/n-1.mp3');
  assert.equal(objectUrl({ mediaBucket: 'b', region: 'eu-west-3', endpoints: {} }, key).href,
    'https://b.s3.eu-west-3.amazonaws.com/media/audio/eu-west-3%3Aabc/n-1.mp3');
});

test('audio arrives as data: URLs, base64, Blobs or buffers', async () => {
  const bytes = [73, 68, 51];
  assert.deepEqual([...await audioBytes('data:audio/mpeg;base64,SUQz')], bytes);
  assert.deepEqual([...await audioBytes('SUQz')], bytes);
  assert.deepEqual([...await audioBytes(new Blob([new Uint8Array(bytes)]))], bytes);
  assert.deepEqual([...await audioBytes(new Uint8Array(bytes).buffer)], bytes);
  await assert.rejects(audioBytes(42), /audio data must be/);
});

test('S3 requests are SigV4-signed with the payload hash and session token, without Host', () => {
  const { url, init } = signedS3Request({
    method: 'PUT',
    url: new URL('http://127.0.0.1:9000/b/media/audio/id/n.mp3'),
    body: new Uint8Array([1, 2, 3]),
    contentType: 'audio/mpeg',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' },
    region: 'eu-west-3',
    now: new Date('2026-01-02T03:04:05Z'),
  });
  assert.equal(url, 'http://127.0.0.1:9000/b/media/audio/id/n.mp3');
  assert.equal(init.headers['x-amz-content-sha256'], '039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81');
  assert.equal(init.headers['x-amz-security-token'], 'token');
  assert.equal(init.headers['x-amz-date'], '20260102T030405Z');
  assert.match(init.headers.authorization,
    /^AWS4-HMAC-SHA256 Credential=AKID\/20260102\/eu-west-3\/s3\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
  assert.equal(init.headers.host, undefined);
});

// StorageDynamoDB.init as the station's app calls it: never a throw, false without a session,
// and the app's own hosted-UI tokens adopted (Amplify's real auth code, with fetch answering
// for config.json, Cognito Identity and the media bucket).
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';

import { fetchAuthSession, getCurrentUser } from 'aws-amplify/auth';

import { APP_TOKEN_KEYS } from '../src/session.js';
import { StorageDynamoDB } from '../src/storage.js';

const CONFIG = {
  region: 'eu-west-3',
  graphqlUrl: 'https://api.test/graphql',
  userPoolId: 'eu-west-3_pool',
  userPoolClientId: 'platform-client',
  identityPoolId: 'eu-west-3:identities',
  mediaBucket: 'media-bucket',
  mediaBaseUrl: 'https://site.test/media',
  endpoints: { cognitoIdentity: 'https://identity.test', s3: 'https://s3.test' },
  hostedUi: { domain: 'auth.test' },
};
const IDENTITY_ID = 'eu-west-3:claire-identity';
const ISSUER = 'https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_pool';

const base64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload) => `${base64url({ alg: 'RS256' })}.${base64url(payload)}.c2ln`;
const exp = Math.floor(Date.now() / 1000) + 3600;

/** Every request the module makes, answered like the services would. */
function network({ config = CONFIG, identityPoolRefuses = false } = {}) {
  const requests = [];
  globalThis.fetch = async (input, init = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    const headers = new Headers(init.headers);
    const body = init.body;
    requests.push({ url, method: init.method ?? 'GET', headers, body });
    const json = (value) => new Response(JSON.stringify(value), { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' } });
    if (url.endsWith('/config.json')) {
      if (!config) throw new TypeError('fetch failed');
      return json(config);
    }
    const target = headers.get('x-amz-target');
    if (target?.startsWith('AWSCognitoIdentityService') && identityPoolRefuses) {
      return new Response(JSON.stringify({ __type: 'NotAuthorizedException', message: 'Invalid login token' }),
        { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' } });
    }
    if (target === 'AWSCognitoIdentityService.GetId') return json({ IdentityId: IDENTITY_ID });
    if (target === 'AWSCognitoIdentityService.GetCredentialsForIdentity') {
      return json({
        IdentityId: IDENTITY_ID,
        Credentials: { AccessKeyId: 'AKID', SecretKey: 'secret', SessionToken: 'token', Expiration: exp },
      });
    }
    if (url.startsWith('https://s3.test/')) return new Response('', { status: 200 });
    throw new Error(`unexpected request ${url}`);
  };
  return requests;
}

function appSignedIn() {
  const map = new Map([
    [APP_TOKEN_KEYS.idToken, jwt({ sub: 'sub-claire', aud: 'station-client', iss: ISSUER, 'cognito:username': 'claire', token_use: 'id', exp })],
    [APP_TOKEN_KEYS.accessToken, jwt({ sub: 'sub-claire', client_id: 'station-client', iss: ISSUER, token_use: 'access', exp })],
    [APP_TOKEN_KEYS.refreshToken, 'refresh'],
  ]);
  globalThis.localStorage = { getItem: (key) => map.get(key) ?? null, setItem: (key, value) => map.set(key, value), removeItem: (key) => map.delete(key) };
  return map;
}

/** A storage whose live feed is not started (no real-time service here). */
function storageWithoutLiveFeed() {
  const storage = new StorageDynamoDB();
  storage.sessionsStarted = 0;
  storage.startSession = async () => {
    storage.sessionsStarted += 1;
  };
  return storage;
}

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  delete globalThis.localStorage;
});

test('init with config.json unreachable resolves false and does not throw', async () => {
  network({ config: null });
  const storage = storageWithoutLiveFeed();
  const errors = [];
  storage.addEventListener('error', (event) => errors.push(event.detail.error));
  const logged = console.error;
  console.error = () => {};
  try {
    assert.equal(await storage.init(), false);
  } finally {
    console.error = logged;
  }
  assert.equal(errors.length, 1);
  assert.equal(storage.sessionsStarted, 0);
});

test('init with nobody signed in resolves false (the app\'s own sign-in redirect takes over)', async () => {
  network();
  const storage = storageWithoutLiveFeed();
  assert.equal(await storage.init(), false);
  assert.equal(storage.appSession, null);
  assert.equal(storage.sessionsStarted, 0);
});

// Before the next test: Amplify keeps the identity id it is given for the rest of the process.
test('an identity pool that refuses the adopted tokens costs the uploads only, not the requests\' session', async () => {
  network({ identityPoolRefuses: true });
  appSignedIn();
  const storage = storageWithoutLiveFeed();
  const warned = console.warn;
  console.warn = () => {};
  try {
    assert.equal(await storage.init(), true);
    const session = await fetchAuthSession(); // what every GraphQL request asks first
    assert.equal(session.tokens.idToken.payload['cognito:username'], 'claire');
    assert.equal(session.credentials, undefined);
    await assert.rejects(storage.saveAudioFile('news-1-audio-5', { data: new Uint8Array([1]), type: 'audio/mpeg' }), /no media credentials/);
  } finally {
    console.warn = warned;
  }
});

test('init adopts the app\'s hosted-UI tokens; identity pool credentials and s3.upload work with them', async () => {
  const requests = network();
  const keys = appSignedIn();
  const storage = storageWithoutLiveFeed();

  assert.equal(await storage.init(), true);
  assert.equal(storage.sessionsStarted, 1);
  assert.equal((await getCurrentUser()).username, 'claire');

  const session = await fetchAuthSession();
  assert.equal(session.tokens.accessToken.toString(), keys.get(APP_TOKEN_KEYS.accessToken));
  assert.equal(session.identityId, IDENTITY_ID);
  const getId = requests.find((r) => r.headers.get('x-amz-target') === 'AWSCognitoIdentityService.GetId');
  assert.deepEqual(JSON.parse(getId.body).Logins, { 'cognito-idp.eu-west-3.amazonaws.com/eu-west-3_pool': keys.get(APP_TOKEN_KEYS.idToken) });

  // The multitrack editor names the old stack's bucket and key: the clip goes to the media
  // bucket under the user's own prefix all the same.
  const uploaded = await storage.s3.upload({
    Bucket: 'amplify-old-bucket', Key: 'multitrack/unknown/1700000000000-voix.mp3', Body: new Uint8Array([1, 2, 3]),
    ContentType: 'audio/mpeg', ACL: 'private',
  }).promise();
  const put = requests.at(-1);
  assert.equal(put.method, 'PUT');
  assert.match(put.url, /^https:\/\/s3\.test\/media-bucket\/media\/audio\/eu-west-3%3Aclaire-identity\/1700000000000-voix-[0-9a-f]{8}\.mp3$/);
  assert.equal(uploaded.Bucket, 'media-bucket');
  assert.match(uploaded.Key, /^media\/audio\/eu-west-3:claire-identity\/1700000000000-voix-/);
  assert.equal(uploaded.Location, `https://site.test/media${uploaded.Key.slice('media'.length)}`);

  const audio = await storage.saveAudioFile('news-1-audio-5', { data: new Blob([new Uint8Array([4])]), type: 'audio/mpeg' });
  assert.deepEqual(Object.keys(audio).sort(), ['bucket', 'key', 'url']);
  assert.match(audio.url, /^https:\/\/site\.test\/media\/audio\/eu-west-3:claire-identity\/news-1-audio-5-/);
});

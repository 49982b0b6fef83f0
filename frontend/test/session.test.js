// The station app's hosted-UI session, adopted by the storage: tokens read from the app's
// localStorage keys, refreshed before they expire at the hosted UI's /oauth2/token, and
// written back to the same keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { APP_TOKEN_KEYS, AppSession, REFRESH_AHEAD_MS, storedTokens } from '../src/session.js';

const NOW = 1_800_000_000_000;
const base64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload) => `${base64url({ alg: 'RS256', kid: 'k' })}.${base64url(payload)}.c2lnbmF0dXJl`;
const idToken = (exp, extra = {}) => jwt({ sub: 'sub-claire', aud: 'station-client', 'cognito:username': 'claire', token_use: 'id', exp, ...extra });
const accessToken = (exp) => jwt({ sub: 'sub-claire', client_id: 'station-client', token_use: 'access', exp });

/** The app's localStorage, as a Map behind the Storage interface. */
function appStore(expSeconds) {
  const map = new Map([
    [APP_TOKEN_KEYS.idToken, idToken(expSeconds)],
    [APP_TOKEN_KEYS.accessToken, accessToken(expSeconds)],
    [APP_TOKEN_KEYS.refreshToken, 'refresh-1'],
    ['saint-esprit-authenticated', 'true'],
  ]);
  return { map, getItem: (key) => map.get(key) ?? null, setItem: (key, value) => map.set(key, String(value)) };
}

/** The hosted UI's token endpoint: records each request, answers new tokens valid an hour. */
function tokenEndpoint({ status = 200 } = {}) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init, form: Object.fromEntries(new URLSearchParams(init.body)) });
    const exp = NOW / 1000 + 3600;
    return {
      ok: status === 200,
      status,
      json: async () => ({ id_token: idToken(exp, { fresh: true }), access_token: accessToken(exp), expires_in: 3600, token_type: 'Bearer' }),
    };
  };
  return { calls, fetch };
}

// No real timer: a refresh re-arms one for the next hour.
const noTimer = { setTimer: () => 1, clearTimer: () => {} };

function session(store, endpoint, extra = {}) {
  return new AppSession({ domain: 'auth.example:8443', store, fetch: endpoint.fetch, now: () => NOW, ...noTimer, ...extra });
}

test('valid tokens under the app\'s keys are handed to Amplify as they are', async () => {
  const store = appStore(NOW / 1000 + 3600);
  const endpoint = tokenEndpoint();
  const tokens = await session(store, endpoint).tokenProvider.getTokens();
  assert.equal(tokens.idToken.payload['cognito:username'], 'claire');
  assert.equal(tokens.accessToken.toString(), store.getItem(APP_TOKEN_KEYS.accessToken));
  assert.equal(endpoint.calls.length, 0);
});

test('an expired session is refreshed with the token\'s own client, and the new tokens go back to the app\'s keys', async () => {
  const store = appStore(NOW / 1000 - 10);
  const endpoint = tokenEndpoint();
  const tokens = await session(store, endpoint).getTokens();

  assert.equal(endpoint.calls.length, 1);
  const [{ url, init, form }] = endpoint.calls;
  assert.equal(url, 'https://auth.example:8443/oauth2/token');
  assert.equal(init.method, 'POST');
  assert.equal(init.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.deepEqual(form, { grant_type: 'refresh_token', client_id: 'station-client', refresh_token: 'refresh-1' });
  assert.equal(tokens.idToken.payload.fresh, true);
  assert.equal(storedTokens(store).idToken.payload.fresh, true, 'the app reads the same new tokens');
  assert.equal(store.getItem(APP_TOKEN_KEYS.accessToken), tokens.accessToken.toString());
  assert.equal(store.getItem(APP_TOKEN_KEYS.refreshToken), 'refresh-1', 'kept when not rotated');
});

test('forceRefresh refreshes valid tokens; concurrent calls share one request', async () => {
  const endpoint = tokenEndpoint();
  const adopted = session(appStore(NOW / 1000 + 3600), endpoint);
  await Promise.all([adopted.getTokens({ forceRefresh: true }), adopted.getTokens({ forceRefresh: true })]);
  assert.equal(endpoint.calls.length, 1);
});

test('a refresh is armed a few minutes before expiry, and re-armed after it ran', async () => {
  const timers = [];
  const endpoint = tokenEndpoint();
  const expSeconds = NOW / 1000 + 3600;
  const adopted = session(appStore(expSeconds), endpoint, { setTimer: (run, ms) => timers.push({ run, ms }) && timers.length, clearTimer: () => {} });
  adopted.schedule();
  assert.equal(timers.length, 1);
  assert.equal(timers[0].ms, 3600_000 - REFRESH_AHEAD_MS);
  timers[0].run();
  await adopted.refreshing;
  assert.equal(endpoint.calls.length, 1);
  assert.equal(timers.length, 2, 'the next refresh is armed');
});

test('a refused refresh keeps still-valid tokens and gives none once they expired', async () => {
  const endpoint = tokenEndpoint({ status: 400 });
  assert.ok(await session(appStore(NOW / 1000 + 10), endpoint).getTokens());
  assert.equal(await session(appStore(NOW / 1000 - 10), endpoint).getTokens(), null);
  assert.equal(endpoint.calls.length, 2);
});

test('without a hosted-UI domain nothing is refreshed', async () => {
  const endpoint = tokenEndpoint();
  const adopted = new AppSession({ domain: null, store: appStore(NOW / 1000 - 10), fetch: endpoint.fetch, now: () => NOW, ...noTimer });
  assert.equal(await adopted.getTokens(), null);
  assert.equal(endpoint.calls.length, 0);
});

test('nothing to adopt without both tokens, or with something that is not a JWT', () => {
  const store = appStore(NOW / 1000 + 3600);
  assert.ok(AppSession.adopt({ hostedUi: { domain: 'auth.example' } }, { store }));
  store.map.set(APP_TOKEN_KEYS.idToken, 'garbage');
  assert.equal(AppSession.adopt({}, { store }), null);
  store.map.delete(APP_TOKEN_KEYS.idToken);
  assert.equal(storedTokens(store), null);
  assert.equal(AppSession.adopt({}, { store: undefined }), null);
});

// The station app's own sign-in, adopted: the app signs in through Cognito's hosted UI and
// keeps the tokens in localStorage; the storage module uses those tokens (an Amplify token
// provider over the same keys) instead of asking the user to sign in a second time. The app
// refreshes them only when the page loads, so the storage refreshes them before they expire
// and writes the new ones back to the same keys: the app and the storage always agree.
// docs/contracts.md, "The station's session".
import { decodeJWT } from '@aws-amplify/core';
import { cognitoCredentialsProvider } from 'aws-amplify/auth/cognito';

export const APP_TOKEN_KEYS = {
  idToken: 'cognito_id_token',
  accessToken: 'cognito_access_token',
  refreshToken: 'cognito_refresh_token',
};
// Refresh this long before the ID token expires (a newsroom page stays open for hours).
export const REFRESH_AHEAD_MS = 5 * 60_000;
// A token this close to expiry is refreshed before a request rather than sent.
const EXPIRY_SKEW_MS = 30_000;

/** The tokens stored under the app's keys, decoded, or null when there is no usable pair. */
export function storedTokens(store) {
  const id = store?.getItem(APP_TOKEN_KEYS.idToken);
  const access = store?.getItem(APP_TOKEN_KEYS.accessToken);
  if (!id || !access) return null;
  try {
    return { idToken: decodeJWT(id), accessToken: decodeJWT(access) };
  } catch {
    return null; // not JWTs: nothing to adopt
  }
}

/** The app's hosted-UI session as an Amplify v6 token provider (`tokenProvider`). */
export class AppSession {
  /** `domain`: the hosted UI's host[:port] (config.json hostedUi.domain), or null when the
   * deployment has none (the tokens are then used until they expire, never refreshed). */
  constructor({
    domain,
    store = globalThis.localStorage,
    fetch = (...args) => globalThis.fetch(...args),
    now = Date.now,
    setTimer = (run, ms) => setTimeout(run, ms),
    clearTimer = (timer) => clearTimeout(timer),
  }) {
    this.domain = domain ?? null;
    this.store = store;
    this.fetch = fetch;
    this.now = now;
    this.setTimer = setTimer;
    this.clearTimer = clearTimer;
    this.timer = null;
    this.refreshing = null;
    this.tokenProvider = { getTokens: (options) => this.getTokens(options) };
  }

  /** The session when the app's keys hold tokens, else null. */
  static adopt(config, options = {}) {
    const store = options.store ?? globalThis.localStorage;
    if (!storedTokens(store)) return null;
    return new AppSession({ domain: config.hostedUi?.domain, store, ...options });
  }

  /** Read at every call: the app itself may have refreshed the keys meanwhile. */
  tokens() {
    return storedTokens(this.store);
  }

  expiresAt(tokens) {
    return (tokens.idToken.payload.exp ?? 0) * 1000;
  }

  /** Amplify asks before every request. Null means signed out (Amplify's contract). */
  async getTokens({ forceRefresh = false } = {}) {
    const tokens = this.tokens();
    if (!tokens) return null;
    if (!forceRefresh && this.expiresAt(tokens) - this.now() > EXPIRY_SKEW_MS) return tokens;
    const refreshed = await this.refresh();
    if (refreshed) return refreshed;
    return this.expiresAt(tokens) > this.now() ? tokens : null;
  }

  /** One refresh at a time; resolves the new tokens, or null when it could not refresh. */
  refresh() {
    this.refreshing ??= this.exchange().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  async exchange() {
    const tokens = this.tokens();
    const refreshToken = this.store.getItem(APP_TOKEN_KEYS.refreshToken);
    if (!tokens || !refreshToken || !this.domain) return null;
    // The token's own client: the app's client id, which the hosted UI requires.
    const clientId = tokens.idToken.payload.aud ?? tokens.accessToken.payload.client_id;
    let response;
    try {
      response = await this.fetch(`https://${this.domain}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken }).toString(),
      });
    } catch (error) {
      console.warn('session refresh: no answer from the sign-in service', error);
      return null;
    }
    if (!response.ok) {
      console.warn(`session refresh refused: HTTP ${response.status}`);
      return null;
    }
    const answer = await response.json();
    if (!answer.id_token || !answer.access_token) return null;
    this.store.setItem(APP_TOKEN_KEYS.idToken, answer.id_token);
    this.store.setItem(APP_TOKEN_KEYS.accessToken, answer.access_token);
    if (answer.refresh_token) this.store.setItem(APP_TOKEN_KEYS.refreshToken, answer.refresh_token);
    this.schedule();
    return this.tokens();
  }

  /** Arm the refresh a few minutes before the ID token expires (at once if it is closer). */
  schedule() {
    this.stop();
    const tokens = this.tokens();
    if (!tokens || !this.domain) return;
    const wait = Math.max(0, this.expiresAt(tokens) - REFRESH_AHEAD_MS - this.now());
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.refresh();
    }, wait);
  }

  stop() {
    if (this.timer != null) this.clearTimer(this.timer);
    this.timer = null;
  }
}

/** Amplify's identity pool provider, fed the adopted ID token, whose refusal costs the media
 * uploads only: Amplify asks for credentials with every GraphQL request's session, and would
 * otherwise fail the newsroom's reads and saves when the identity pool does not accept the
 * app's client (saveAudioFile then says there are no media credentials). */
export const mediaCredentialsProvider = {
  async getCredentialsAndIdentityId(options) {
    try {
      return await cognitoCredentialsProvider.getCredentialsAndIdentityId(options);
    } catch (error) {
      console.warn('no media credentials from the identity pool', error);
      return undefined;
    }
  },
  clearCredentialsAndIdentityId: () => cognitoCredentialsProvider.clearCredentialsAndIdentityId(),
};

// The station's sign-in, as its cognito-auth.js does it: Cognito's Hosted UI with the
// authorization-code flow (no PKCE, no client secret), the tokens kept in localStorage, checked
// at each page load and refreshed only then (no timer).
class CognitoAuth {
  constructor() {
    this.config = {
      userPoolId: 'eu-west-3_StationAppPool',
      clientId: '5jst6bnhl26ekdr5a7pu9ik2f5',
      identityPoolId: 'eu-west-3:station-app-identity-pool',
      domain: 'saint-esprit-radio-auth.auth.eu-west-3.amazoncognito.com',
      redirectUri: window.location.origin + '/',
    };
    this.isAuthenticated = false;
    this.claims = null;
    // Starts in a microtask: before the next script of the page runs.
    this.ready = Promise.resolve().then(() => this.init());
  }

  async init() {
    const params = new URLSearchParams(window.location.search);
    if (params.get('error')) {
      alert('Erreur de connexion : ' + (params.get('error_description') || params.get('error')));
      return false;
    }
    const code = params.get('code');
    if (code) {
      sessionStorage.setItem('auth-code', code);
      if (!localStorage.getItem('cognito_id_token')) return this.handleCallback(code);
    }
    return this.checkStoredTokens();
  }

  /** Back from the Hosted UI with a code: trade it for tokens, read the profile, reload. */
  async handleCallback(code) {
    try {
      const tokens = await this.tokenRequest({
        grant_type: 'authorization_code',
        client_id: this.config.clientId,
        code,
        redirect_uri: this.config.redirectUri,
      });
      this.storeTokens(tokens);
      this.storeUser(this.decode(tokens.id_token));
      await this.fetchUserInfo(tokens.access_token);
      localStorage.setItem('saint-esprit-authenticated', 'true');
    } catch (error) {
      console.error('Échec de la connexion', error);
      alert('Échec de la connexion : ' + error.message);
      return false;
    }
    window.location.reload();
    return new Promise(() => {}); // the page reloads: nothing else runs here
  }

  async checkStoredTokens() {
    const idToken = localStorage.getItem('cognito_id_token');
    const accessToken = localStorage.getItem('cognito_access_token');
    if (!idToken || !accessToken) {
      this.showLoginPrompt();
      return false;
    }
    let claims;
    try {
      claims = this.decode(idToken);
    } catch (error) {
      this.clearTokens();
      this.showLoginPrompt();
      return false;
    }
    if (claims.exp * 1000 <= Date.now()) return this.refreshTokens();
    this.claims = claims;
    this.storeUser(claims);
    const fullname = localStorage.getItem('saint-esprit-user-fullname');
    if (!fullname || fullname.includes('-')) await this.fetchUserInfo(accessToken);
    this.isAuthenticated = true;
    return true;
  }

  async refreshTokens() {
    const refreshToken = localStorage.getItem('cognito_refresh_token');
    try {
      if (!refreshToken) throw new Error('no refresh token');
      const tokens = await this.tokenRequest({
        grant_type: 'refresh_token',
        client_id: this.config.clientId,
        refresh_token: refreshToken,
      });
      this.storeTokens(tokens);
      this.claims = this.decode(tokens.id_token);
      this.storeUser(this.claims);
      this.isAuthenticated = true;
      return true;
    } catch (error) {
      console.warn('Session expirée', error);
      this.clearTokens(); // no redirect: the next load asks to sign in
      return false;
    }
  }

  showLoginPrompt() {
    const params = new URLSearchParams(window.location.search);
    if (params.has('code') || params.has('error')) return;
    const lastAttempt = Number(sessionStorage.getItem('last-auth-attempt') || 0);
    if (Date.now() - lastAttempt < 5000) return;
    sessionStorage.setItem('last-auth-attempt', String(Date.now()));
    window.location.href = `https://${this.config.domain}/login?response_type=code&client_id=${this.config.clientId}` +
      `&redirect_uri=${encodeURIComponent(this.config.redirectUri)}&scope=email+openid+profile`;
  }

  async tokenRequest(fields) {
    const response = await fetch(`https://${this.config.domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
    return response.json();
  }

  async fetchUserInfo(accessToken) {
    try {
      const response = await fetch(`https://${this.config.domain}/oauth2/userInfo`, {
        headers: { Authorization: `Bearer ${accessToken}` },
      });
      if (response.ok) this.storeUser(await response.json());
    } catch (error) {
      console.warn('userInfo indisponible', error);
    }
  }

  storeTokens(tokens) {
    localStorage.setItem('cognito_id_token', tokens.id_token);
    localStorage.setItem('cognito_access_token', tokens.access_token);
    if (tokens.refresh_token) localStorage.setItem('cognito_refresh_token', tokens.refresh_token);
  }

  /** The names the app shows, from ID token claims or userInfo (never the groups). */
  storeUser(claims) {
    const username = claims['cognito:username'] || claims.username;
    if (username) {
      localStorage.setItem('saint-esprit-user', username);
      localStorage.setItem('saint-esprit-user-name', claims.name || username);
    }
    if (claims.email) localStorage.setItem('saint-esprit-user-email', claims.email);
    const fullname = claims.name || [claims.given_name, claims.family_name].filter(Boolean).join(' ');
    if (fullname) localStorage.setItem('saint-esprit-user-fullname', fullname);
  }

  clearTokens() {
    for (const key of ['cognito_id_token', 'cognito_access_token', 'cognito_refresh_token', 'saint-esprit-authenticated']) {
      localStorage.removeItem(key);
    }
    this.isAuthenticated = false;
  }

  decode(token) {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(payload))));
  }

  async waitForAuth() {
    await this.ready;
    return this.isAuthenticated;
  }

  getUserId() {
    return this.claims ? this.claims.sub : null;
  }
}

window.cognitoAuth = new CognitoAuth();
window.authManager = {
  isAuthenticated: () => window.cognitoAuth.isAuthenticated,
  getUserId: () => window.cognitoAuth.getUserId(),
  getUserName: () => localStorage.getItem('saint-esprit-user-fullname') || localStorage.getItem('saint-esprit-user-name'),
  logout: () => window.cognitoLogout(),
};

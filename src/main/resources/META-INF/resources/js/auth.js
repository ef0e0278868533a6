/**
 * Where the uploader pages get their bearer token.
 *
 * 1. A host page that embeds the uploader sets `window.uploadGatewayToken` (a string, or a
 *    function returning one or a Promise of one) before the page script runs.
 * 2. In dev mode and tests the gateway has a `/dev/token` route: the page asks for a user name
 *    and mints tokens there (remembered in localStorage, re-minted before they expire).
 * 3. Otherwise (production: /dev/token answers 404) the user pastes a token, kept for the tab's
 *    session only.
 */

// Separate keys: signing in to the admin page is a deliberate act, never inherited from the uploader.
const DEV_USER_KEYS = { user: 'upload-gateway:dev-user', admin: 'upload-gateway:dev-admin' };
const PASTED_TOKEN_KEY = 'upload-gateway:token';

export class TokenSource {
  constructor({ admin = false } = {}) {
    this.admin = admin;
    this.devUserKey = admin ? DEV_USER_KEYS.admin : DEV_USER_KEYS.user;
    this.mode = null;        // 'host' | 'dev' | 'paste'
    this.user = null;
    this.cached = null;      // {token, expiresAt}
    this.getToken = this.getToken.bind(this);
  }

  /** Works out which mode applies; resolves to true when a token is already at hand. */
  async init() {
    if (window.uploadGatewayToken) {
      this.mode = 'host';
      return true;
    }
    this.mode = (await devTokenRouteExists()) ? 'dev' : 'paste';
    if (this.mode === 'dev') {
      const user = localStorage.getItem(this.devUserKey);
      if (user) {
        try {
          await this.signIn(user);
          return true;
        } catch {
          return false;
        }
      }
      return false;
    }
    const pasted = sessionStorage.getItem(PASTED_TOKEN_KEY);
    if (pasted) {
      this.cached = { token: pasted, expiresAt: jwtExpiry(pasted) };
      this.user = jwtSubject(pasted);
      return true;
    }
    return false;
  }

  /** Dev mode: mint a token for this user name. */
  async signIn(user) {
    const query = new URLSearchParams({ user });
    if (this.admin) query.set('admin', 'true');
    const response = await fetch(`/dev/token?${query}`, { headers: { Accept: 'application/json' } });
    if (!response.ok) {
      let detail = `HTTP ${response.status}`;
      try { detail = (await response.json()).detail || detail; } catch { /* not JSON */ }
      throw new Error(detail);
    }
    const minted = await response.json();
    this.user = minted.subject;
    this.cached = { token: minted.token, expiresAt: Date.parse(minted.expiresAt) };
    localStorage.setItem(this.devUserKey, minted.subject);
    return minted;
  }

  /** Paste mode: use the token the user was given by their identity provider. */
  usePastedToken(token) {
    const clean = token.trim().replace(/^Bearer\s+/i, '');
    if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(clean)) {
      throw new Error('That does not look like a JWT (three dot-separated parts).');
    }
    this.cached = { token: clean, expiresAt: jwtExpiry(clean) };
    this.user = jwtSubject(clean);
    sessionStorage.setItem(PASTED_TOKEN_KEY, clean);
  }

  signOut() {
    this.cached = null;
    this.user = null;
    localStorage.removeItem(this.devUserKey);
    sessionStorage.removeItem(PASTED_TOKEN_KEY);
  }

  /** The token for the next gateway call (re-minted in dev mode when it is about to expire). */
  async getToken() {
    if (this.mode === 'host') {
      const source = window.uploadGatewayToken;
      return typeof source === 'function' ? await source() : source;
    }
    if (this.mode === 'dev' && this.user && (!this.cached || this.cached.expiresAt - Date.now() < 60_000)) {
      await this.signIn(this.user);
    }
    return this.cached ? this.cached.token : null;
  }
}

async function devTokenRouteExists() {
  try {
    // Without a user name the route answers 400 in dev and test builds; prod builds lack it (404).
    const response = await fetch('/dev/token', { headers: { Accept: 'application/json' } });
    return response.status !== 404 && response.status !== 405;
  } catch {
    return false;
  }
}

function jwtClaims(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload.padEnd(payload.length + (4 - payload.length % 4) % 4, '=')));
  } catch {
    return {};
  }
}

function jwtExpiry(token) {
  const exp = jwtClaims(token).exp;
  return typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY;
}

function jwtSubject(token) {
  const claims = jwtClaims(token);
  return claims.upn || claims.preferred_username || claims.sub || 'token user';
}

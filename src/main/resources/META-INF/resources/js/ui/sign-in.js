/**
 * Signing in, as both pages do it: a dev-mode name box (#dev-signin), a pasted token
 * (#token-signin), or a token from the host page (no box at all); then the account bar
 * (#account) with its "Switch user" button (#sign-out).
 */
import { $, showPageError } from './dom.js';

/**
 * Wires the sign-in boxes and finds out whether a token is at hand; calls `onSignedIn` once
 * one is (at once, or after the user signed in).
 *
 * @param {object} o
 * @param {TokenSource} o.tokens
 * @param {string} o.page                 the page's name for a start-up failure ("The uploader")
 * @param {() => void} o.onSignedIn
 * @param {() => void} [o.beforeSignOut]  runs before "Switch user" signs out and reloads
 */
export function signIn({ tokens, page, onSignedIn, beforeSignOut = () => {} }) {
  const signedIn = () => {
    showAccount(tokens);
    onSignedIn();
  };

  $('dev-signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('dev-signin-error');
    const button = event.currentTarget.querySelector('[type=submit]');
    error.hidden = true;
    button.disabled = true;
    try {
      await tokens.signIn($('dev-user').value.trim());
      $('dev-signin').hidden = true;
      signedIn();
    } catch (e) {
      error.textContent = `Could not sign in: ${e.message}`;
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });

  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const error = $('token-error');
    try {
      tokens.usePastedToken($('token-input').value);
      $('token-signin').hidden = true;
      signedIn();
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    }
  });

  $('sign-out').addEventListener('click', () => {
    beforeSignOut();
    tokens.signOut();
    location.reload();
  });

  boot(tokens, signedIn).catch((e) => showPageError(`${page} could not start: ${e.message || e}`));
}

async function boot(tokens, signedIn) {
  if (await tokens.init()) {
    signedIn();
  } else if (tokens.mode === 'dev') {
    $('dev-signin').hidden = false;
    $('dev-user').focus();
  } else {
    $('token-signin').hidden = false;
  }
}

/** Who is signed in (a host page that provides the token shows its own account UI). */
function showAccount(tokens) {
  if (tokens.mode === 'host') return;
  $('account').hidden = false;
  $('account-name').textContent = tokens.user;
  $('account-avatar').textContent = (tokens.user || '?').slice(0, 1);
}

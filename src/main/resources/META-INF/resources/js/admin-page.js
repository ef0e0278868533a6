/**
 * Admin page: stalled uploads of every owner, with an abort button.
 * API (API.md): GET /api/v1/admin/uploads?stalled=true[&idleLongerThan=PT1H][&cursor=],
 * POST /api/v1/admin/uploads/{id}/abort, GET /api/v1/admin/stats. A gateway without the admin
 * API answers 404: the page says so instead of showing an empty list.
 */
import { UploadClient, GatewayError } from './upload-client.js';
import { TokenSource } from './auth.js';
import { formatBytes, formatDuration } from './format.js';

const $ = (id) => document.getElementById(id);
const tokens = new TokenSource({ admin: true });
const api = new UploadClient({ getToken: tokens.getToken, maxAttempts: 2 });
let cursor = null;

boot().catch((e) => showError(`The admin page could not start: ${e.message || e}`));

async function boot() {
  if (await tokens.init()) {
    showConsole();
  } else if (tokens.mode === 'dev') {
    $('dev-signin').hidden = false;
  } else {
    $('token-signin').hidden = false;
  }
}

$('dev-signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    await tokens.signIn($('dev-user').value.trim());
    $('dev-signin').hidden = true;
    showConsole();
  } catch (e) {
    $('dev-signin-error').textContent = `Could not sign in: ${e.message}`;
    $('dev-signin-error').hidden = false;
  }
});

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  try {
    tokens.usePastedToken($('token-input').value);
    $('token-signin').hidden = true;
    showConsole();
  } catch (e) {
    $('token-error').textContent = e.message;
    $('token-error').hidden = false;
  }
});

$('sign-out').addEventListener('click', () => {
  tokens.signOut();
  location.reload();
});
$('refresh').addEventListener('click', () => load(true));
$('idle').addEventListener('change', () => load(true));
$('more').addEventListener('click', () => load(false));

function showConsole() {
  if (tokens.mode !== 'host') {
    $('account').hidden = false;
    $('account-name').textContent = tokens.user;
    $('account-avatar').textContent = (tokens.user || '?').slice(0, 1);
  }
  $('console').hidden = false;
  load(true);
}

async function load(fromStart) {
  hideError();
  if (fromStart) cursor = null;
  const query = new URLSearchParams({ stalled: 'true', limit: '50' });
  if ($('idle').value) query.set('idleLongerThan', $('idle').value);
  if (cursor) query.set('cursor', cursor);
  let page;
  try {
    page = await api.request('GET', `/api/v1/admin/uploads?${query}`, undefined, { what: 'Listing stalled uploads' });
  } catch (e) {
    // The listing itself never answers 404: a 404 means this gateway has no admin API.
    if (e instanceof GatewayError && e.status === 404) {
      showError('This gateway has no admin API yet (GET /api/v1/admin/uploads answered 404). '
        + 'It arrives with the admin feature; until then stalled uploads are only cleaned up when their upload TTL runs out.');
      $('listing').hidden = true;
      return;
    }
    explain(e);
    return;
  }
  $('listing').hidden = false;
  if (fromStart) $('rows').replaceChildren();
  for (const upload of page.items || []) $('rows').append(row(upload));
  cursor = page.nextCursor || null;
  $('more').hidden = !cursor;
  $('empty').hidden = $('rows').children.length > 0;
  loadStats();
}

async function loadStats() {
  try {
    const stats = await api.request('GET', '/api/v1/admin/stats', undefined, { what: 'Reading statistics' });
    $('stat-stalled').textContent = stats.stalled ?? '–';
    $('stat-uploading').textContent = (stats.byState && stats.byState.UPLOADING) ?? 0;
    $('stat-bytes').textContent = formatBytes(stats.bytesInFlight ?? 0);
    $('stat-oldest').textContent = stats.oldestStalledAt ? `${ago(stats.oldestStalledAt)} ago` : '–';
    $('stats').hidden = false;
  } catch {
    $('stats').hidden = true; // the listing is what matters; stats are a bonus
  }
}

function row(upload) {
  const tr = document.createElement('tr');
  const percent = upload.size ? Math.floor((upload.bytesUploaded || 0) / upload.size * 100) : 0;
  tr.innerHTML = `
    <td><strong class="owner"></strong></td>
    <td><div class="filename"></div><div class="sub id"></div></td>
    <td class="num"><div class="progress-text"></div><div class="bar"><div class="bar-fill"></div></div></td>
    <td class="num idle"></td>
    <td class="num created"></td>
    <td><button type="button" class="btn btn-danger btn-small abort">Abort</button></td>`;
  tr.querySelector('.owner').textContent = upload.owner || '–';
  tr.querySelector('.filename').textContent = upload.filename;
  tr.querySelector('.id').textContent = upload.id;
  const partsUploaded = upload.partsUploaded ?? 0;
  tr.querySelector('.progress-text').textContent =
    `${formatBytes(upload.bytesUploaded || 0)} of ${formatBytes(upload.size)} · ${partsUploaded}/${upload.partCount} parts`;
  tr.querySelector('.bar-fill').style.width = `${percent}%`;
  tr.querySelector('.idle').textContent = upload.idleSeconds != null ? formatDuration(upload.idleSeconds) : ago(upload.lastActivityAt);
  tr.querySelector('.created').textContent = upload.createdAt ? new Date(upload.createdAt).toLocaleString() : '–';
  const button = tr.querySelector('.abort');
  button.addEventListener('click', async () => {
    if (!confirm(`Abort "${upload.filename}" of ${upload.owner}? Its uploaded parts are discarded.`)) return;
    button.disabled = true;
    button.textContent = 'Aborting…';
    try {
      await api.request('POST', `/api/v1/admin/uploads/${encodeURIComponent(upload.id)}/abort`, undefined, { what: 'Aborting the upload' });
      tr.remove();
      $('empty').hidden = $('rows').children.length > 0;
      loadStats();
    } catch (e) {
      button.disabled = false;
      button.textContent = 'Abort';
      explain(e);
    }
  });
  return tr;
}

function explain(e) {
  if (e instanceof GatewayError && e.status === 404) {
    showError(`${e.message} — the upload is gone, or this gateway has no admin API (404).`);
  } else if (e instanceof GatewayError && e.status === 403) {
    showError(`Your token is valid but lacks the admin group; sign in as an administrator. (${e.message})`);
  } else if (e instanceof GatewayError && e.status === 401) {
    showError('The gateway did not accept the token (expired or from another issuer). Sign in again.');
  } else {
    showError(e.message || String(e));
  }
}

function ago(iso) {
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  return Number.isFinite(seconds) ? formatDuration(Math.max(0, seconds)) : '–';
}

function showError(message) {
  $('page-error').textContent = message;
  $('page-error').hidden = false;
}

function hideError() {
  $('page-error').hidden = true;
}

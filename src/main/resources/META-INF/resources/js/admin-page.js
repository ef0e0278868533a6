/**
 * Admin page: stalled uploads of every owner, with an abort button, the uploads the processing
 * stage holds back (PROCESSING, and QUARANTINED with release and delete buttons), the webhook
 * backlog and the owners' quota usage. API (docs/api.md): GET /api/v1/admin/uploads?stalled=true[&idleLongerThan=PT1H][&cursor=],
 * GET /api/v1/admin/uploads?state=PROCESSING|QUARANTINED[&cursor=], POST /api/v1/admin/uploads/{id}/abort|release|delete,
 * GET /api/v1/admin/stats, GET /api/v1/admin/usage. A gateway without the admin API answers 404:
 * the page says so instead of showing an empty list.
 */
import { UploadClient, GatewayError } from './upload-client.js';
import { TokenSource } from './auth.js';
import { formatBytes } from './format.js';
import { $, hidePageError, showPageError } from './ui/dom.js';
import { signIn } from './ui/sign-in.js';
import { ago, stalledRow } from './ui/stalled-row.js';
import { heldRow } from './ui/held-row.js';
import { renderEventBacklog } from './ui/event-backlog.js';
import { renderUsage } from './ui/usage-table.js';

const tokens = new TokenSource({ admin: true });
const api = new UploadClient({ getToken: tokens.getToken, maxAttempts: 2 });
let cursor = null;
/** The held-back listings' next cursors by state: '' before the first page, null after the last. */
let heldCursors = {};
const HELD_STATES = ['PROCESSING', 'QUARANTINED'];

signIn({
  tokens,
  page: 'The admin page',
  onSignedIn: () => {
    $('console').hidden = false;
    load(true);
  },
});

$('refresh').addEventListener('click', () => load(true));
$('idle').addEventListener('change', () => load(true));
$('more').addEventListener('click', () => load(false));
$('held-more').addEventListener('click', () => loadHeld(false));

async function load(fromStart) {
  hidePageError();
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
      showPageError('This gateway has no admin API yet (GET /api/v1/admin/uploads answered 404). '
        + 'It arrives with the admin feature; until then stalled uploads are only cleaned up when their upload TTL runs out.');
      $('listing').hidden = true;
      return;
    }
    explain(e);
    return;
  }
  $('listing').hidden = false;
  if (fromStart) $('rows').replaceChildren();
  for (const upload of page.items || []) $('rows').append(stalledRow(upload, abort));
  cursor = page.nextCursor || null;
  $('more').hidden = !cursor;
  $('empty').hidden = $('rows').children.length > 0;
  if (fromStart) loadHeld(true);
  loadStats();
}

/** The uploads the processing stage holds back: PROCESSING ones first, then QUARANTINED ones. */
async function loadHeld(fromStart) {
  if (fromStart) heldCursors = Object.fromEntries(HELD_STATES.map((state) => [state, '']));
  const states = HELD_STATES.filter((state) => heldCursors[state] !== null);
  let pages;
  try {
    pages = await Promise.all(states.map((state) => {
      const query = new URLSearchParams({ state, limit: '50' });
      if (heldCursors[state]) query.set('cursor', heldCursors[state]);
      return api.request('GET', `/api/v1/admin/uploads?${query}`, undefined, { what: 'Listing held-back uploads' });
    }));
  } catch (e) {
    explain(e);
    return;
  }
  const rows = $('held-rows');
  if (fromStart) rows.replaceChildren();
  states.forEach((state, i) => {
    for (const upload of pages[i].items || []) {
      // Processing rows stay above the quarantined ones when more pages come.
      rows.insertBefore(heldRow(upload, act), state === 'PROCESSING' ? rows.querySelector('tr[data-state=quarantined]') : null);
    }
    heldCursors[state] = pages[i].nextCursor || null;
  });
  $('held-more').hidden = states.every((state) => heldCursors[state] === null);
  $('held-empty').hidden = rows.children.length > 0;
  $('held').hidden = false;
}

async function loadStats() {
  try {
    const stats = await api.request('GET', '/api/v1/admin/stats', undefined, { what: 'Reading statistics' });
    $('stat-stalled').textContent = stats.stalled ?? '–';
    $('stat-uploading').textContent = (stats.byState && stats.byState.UPLOADING) ?? 0;
    $('stat-bytes').textContent = formatBytes(stats.bytesInFlight ?? 0);
    $('stat-oldest').textContent = stats.oldestStalledAt ? `${ago(stats.oldestStalledAt)} ago` : '–';
    for (const state of HELD_STATES) {
      const counted = stats.byState && state in stats.byState; // a gateway that knows the processing stage
      $(`stat-${state.toLowerCase()}-box`).hidden = !counted;
      $(`stat-${state.toLowerCase()}`).textContent = counted ? String(stats.byState[state]) : '–';
    }
    $('stats').hidden = false;
    renderStores(stats.byStore);
    renderEventBacklog(stats.events);
  } catch {
    $('stats').hidden = true; // the listing is what matters; stats are a bonus
  }
  try {
    renderUsage(await api.request('GET', '/api/v1/admin/usage?limit=100', undefined, { what: 'Reading quota usage' }));
  } catch {
    $('usage').hidden = true;
  }
}

/** With uploads in more than one store, one box per store: its uploads in flight and their bytes. */
function renderStores(byStore) {
  const names = Object.keys(byStore || {});
  const box = $('store-stats');
  box.replaceChildren(...names.map((name) => {
    const stat = document.createElement('div');
    stat.className = 'stat';
    const label = document.createElement('div');
    label.className = 'label';
    label.textContent = `Store ${name}`;
    const value = document.createElement('div');
    value.className = 'value';
    value.textContent = `${byStore[name].uploading} uploading · ${formatBytes(byStore[name].bytesInFlight)}`;
    stat.append(label, value);
    return stat;
  }));
  box.hidden = names.length < 2;
}

async function abort(upload, tr) {
  try {
    await api.request('POST', `/api/v1/admin/uploads/${encodeURIComponent(upload.id)}/abort`, undefined, { what: 'Aborting the upload' });
    tr.remove();
    $('empty').hidden = $('rows').children.length > 0;
    loadStats();
    return true;
  } catch (e) {
    explain(e);
    return false;
  }
}

/** Releases a quarantined upload (it leaves the list: it is served now) or deletes its object (the row says so). */
async function act(action, upload, tr) {
  hidePageError();
  try {
    const after = await api.request('POST', `/api/v1/admin/uploads/${encodeURIComponent(upload.id)}/${action}`, undefined,
      { what: action === 'release' ? 'Releasing the upload' : 'Deleting the quarantined object' });
    if (after.state === 'QUARANTINED') tr.replaceWith(heldRow(after, act));
    else tr.remove();
    $('held-empty').hidden = $('held-rows').children.length > 0;
    loadStats();
    return true;
  } catch (e) {
    explain(e);
    return false;
  }
}

function explain(e) {
  if (e instanceof GatewayError && e.status === 404) {
    showPageError(`${e.message} — the upload is gone, or this gateway has no admin API (404).`);
  } else if (e instanceof GatewayError && e.status === 403) {
    showPageError(`Your token is valid but lacks the operators' group (GATEWAY_ADMIN_ROLE, by default upload-gateway-admin); sign in as an operator. (${e.message})`);
  } else if (e instanceof GatewayError && e.status === 401) {
    showPageError('The gateway did not accept the token (expired or from another issuer). Sign in again.');
  } else {
    showPageError(e.message || String(e));
  }
}

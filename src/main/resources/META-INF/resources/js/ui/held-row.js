/**
 * One upload the processing stage holds back, in the admin table (cloned from <template id="held-row">):
 * PROCESSING (waiting for a step's verdict) or QUARANTINED (its reason, and whether its object is
 * kept), with Release and Delete object buttons while a quarantined object is kept.
 */
import { ago, fillWho } from './stalled-row.js';

/** The processing stage runs its configured steps in this order; what each waits for. */
const STEPS = [['scan', 'the virus scan'], ['webhook', "the app's verdict"]];

/**
 * @param {object} upload  an item of GET /api/v1/admin/uploads?state=PROCESSING or QUARANTINED
 * @param {(action: 'release'|'delete', upload: object, row: HTMLElement) => Promise<boolean>} act
 *        does it (after the user confirmed); resolves false when that failed and the buttons
 *        should be offered again
 */
export function heldRow(upload, act) {
  const tr = document.getElementById('held-row').content.firstElementChild.cloneNode(true);
  tr.dataset.state = upload.state.toLowerCase();
  fillWho(tr, upload);
  const completed = tr.querySelector('.completed');
  completed.textContent = upload.completedAt ? `${ago(upload.completedAt)} ago` : '–';
  if (upload.completedAt) completed.title = new Date(upload.completedAt).toLocaleString();

  const status = tr.querySelector('.status');
  const reason = tr.querySelector('.reason');
  const object = tr.querySelector('.object');
  if (upload.state === 'PROCESSING') {
    status.textContent = waitingFor(upload.processing);
    const tries = upload.processingAttempts || 0;
    reason.textContent = tries > 0 ? `${tries} ${tries === 1 ? 'try' : 'tries'} without a verdict` : '';
  } else {
    status.textContent = 'Quarantined';
    reason.textContent = upload.quarantineReason || '';
    object.textContent = upload.quarantineKey ? 'object kept' : 'object deleted';
    if (upload.quarantineKey) object.title = upload.quarantineKey; // where, for whoever looks in the bucket
  }

  if (upload.state === 'QUARANTINED' && upload.quarantineKey) {
    const release = tr.querySelector('.release');
    const remove = tr.querySelector('.delete');
    const offer = (on) => {
      release.disabled = !on;
      remove.disabled = !on;
    };
    const run = async (action, question) => {
      if (!confirm(question)) return;
      offer(false);
      if (!(await act(action, upload, tr))) offer(true);
    };
    release.hidden = false;
    remove.hidden = false;
    release.addEventListener('click', () => run('release',
      `Release "${upload.filename}" of ${upload.owner}? It was quarantined (${upload.quarantineReason}); released, it is served.`));
    remove.addEventListener('click', () => run('delete',
      `Delete the quarantined object of "${upload.filename}" of ${upload.owner}? It cannot be released afterwards.`));
  }
  return tr;
}

/** What a PROCESSING upload waits for, from the verdicts it already has. */
function waitingFor(outcomes) {
  const done = outcomes || [];
  if (done.some((outcome) => !['PASSED', 'SKIPPED'].includes(outcome.verdict))) return 'Waiting for its quarantine';
  // With no verdict yet the page cannot tell which steps this gateway runs (scan, webhook or both).
  if (done.length === 0) return 'Waiting for its first step';
  const next = STEPS.find(([step]) => !done.some((outcome) => outcome.step === step));
  return next ? `Waiting for ${next[1]}` : 'Waiting to be served';
}

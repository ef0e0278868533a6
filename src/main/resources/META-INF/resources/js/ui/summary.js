/** The summary above the uploader's list (#summary): what all files together are doing. */
import { $ } from './dom.js';
import { ACTIVE_STATES, stateOf } from './file-state.js';
import { formatBytes, formatDuration, formatSpeed } from '../format.js';

/** Brings the summary up to date with the page's list items ({upload}). */
export function renderSummary(items) {
  const visible = items.filter((item) => item.upload.state !== 'cancelled');
  const summary = $('summary');
  if (visible.length === 0) {
    summary.hidden = true;
    return;
  }
  summary.hidden = false;
  let total = 0;
  let done = 0;
  let speed = 0;
  for (const item of visible) {
    const p = item.upload.progress;
    total += p.bytesTotal;
    done += p.bytesDone;
    speed += p.speed;
  }
  const count = (state) => visible.filter((item) => stateOf(item) === state).length;
  const completed = count('completed');
  const running = visible.filter((item) => ACTIVE_STATES.has(item.upload.state) || stateOf(item) === 'queued').length;
  const failed = count('error');
  const paused = count('paused');
  const scanning = count('scanning');
  const refused = count('quarantined');
  const files = (n) => `${n} ${n === 1 ? 'file' : 'files'}`;
  let title;
  if (running > 0) title = `Uploading ${files(running)}`;
  else if (scanning > 0) title = `Scanning ${files(scanning)}`;
  else if (failed > 0) title = `${files(failed)} failed`;
  else if (refused > 0) title = `${files(refused)} not accepted`;
  else if (paused > 0) title = `${files(paused)} paused`;
  else title = `${completed === 1 ? 'File' : `All ${completed} files`} uploaded`;
  if (running > 0 && completed > 0) title += ` · ${completed} done`;
  const parts = [`${formatBytes(done)} of ${formatBytes(total)}`];
  if (running > 0 && speed > 0) {
    parts.push(formatSpeed(speed));
    parts.push(`${formatDuration((total - done) / speed)} left`);
  }
  $('summary-title').textContent = title;
  $('summary-stats').textContent = parts.join(' · ');
  $('summary-bar').style.width = `${total ? (done / total * 100).toFixed(2) : 0}%`;
  summary.dataset.state = running > 0 ? 'uploading' : scanning > 0 ? 'scanning'
    : failed + refused > 0 ? 'error' : paused > 0 ? 'paused' : 'completed';
}

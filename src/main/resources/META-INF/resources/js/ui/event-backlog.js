/** The webhook backlog on the admin page (#event-stats): events waiting, the oldest one's age, dead events. */
import { $ } from './dom.js';
import { formatDuration } from '../format.js';

/** @param {object|undefined} events  the `events` member of GET /api/v1/admin/stats */
export function renderEventBacklog(events) {
  const section = $('event-stats');
  if (!events) {
    section.hidden = true; // a gateway without events
    return;
  }
  section.hidden = false;
  if (!events.webhooks) {
    $('stat-events-pending').textContent = 'Webhooks off';
    $('stat-events-oldest').textContent = '–';
  } else {
    $('stat-events-pending').textContent = String(events.pending ?? 0);
    $('stat-events-oldest').textContent = events.pending > 0 ? formatDuration(events.oldestPendingAgeSeconds ?? 0) : '–';
  }
  $('stat-events-dead').textContent = String(events.dead ?? 0);
  section.dataset.backlog = events.pending > 0 ? 'waiting' : 'clear';
}

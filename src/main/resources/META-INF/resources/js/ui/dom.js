/** DOM helpers both pages share: elements by id and the page's error banner (#page-error). */

export const $ = (id) => document.getElementById(id);

export function showPageError(message) {
  const banner = $('page-error');
  banner.textContent = message;
  banner.hidden = false;
}

export function hidePageError() {
  $('page-error').hidden = true;
}

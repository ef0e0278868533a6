// The page a team would write: Uppy's core and aws-s3 plugin pointed at the gateway as its
// Companion (companionEndpoint = this origin). Bundled by esbuild into uppy-test.js.
import Uppy from '@uppy/core';
import AwsS3 from '@uppy/aws-s3';

const results = {};
const parts = [];
const uppy = new Uppy({ autoProceed: false });
uppy.use(AwsS3, {
  companionEndpoint: window.location.origin,
  // Per test case: multipart for every file (the default of these tests), or, once a test sets
  // window.uppyDefaultSplit, Uppy's own rule: files up to 100 MiB, and every 0-byte file, go in one
  // presigned POST from /s3/params.
  shouldUseMultipart: (file) => (window.uppyDefaultSplit ? (file.size || 0) > 100 * 2 ** 20 : true),
  limit: 3,
});
uppy.on('upload-success', (file, response) => {
  results[file.name] = { ok: true, key: response.body.key, location: response.body.location };
});
uppy.on('upload-error', (file, error) => {
  results[file.name] = { ok: false, error: String((error && error.message) || error) };
});
uppy.on('s3-multipart:part-uploaded', (file, part) => {
  parts.push({ name: file.name, partNumber: part.PartNumber ?? part.partNumber });
  if (window.cancelAfterFirstPartOf === file.name) {
    window.cancelAfterFirstPartOf = null;
    uppy.cancelAll();
    results[file.name] = { ok: false, cancelled: true };
  }
});

window.uppy = uppy;
window.uppyResults = results;
window.uppyParts = parts;
/** The app's one call with its token: the gateway answers with the HttpOnly cookie Uppy's calls then carry. */
window.signIn = async (token) => (await fetch('/s3/session', { method: 'POST', headers: { Authorization: `Bearer ${token}` } })).status;
window.uploadAll = async () => {
  const result = await uppy.upload();
  return { successful: result ? result.successful.length : 0, failed: result ? result.failed.length : 0 };
};
window.retryAll = async () => {
  const result = await uppy.retryAll();
  return { successful: result ? result.successful.length : 0, failed: result ? result.failed.length : 0 };
};
document.getElementById('files').addEventListener('change', (event) => {
  for (const file of event.target.files) {
    uppy.addFile({ name: file.name, type: file.type, data: file });
  }
});
document.body.dataset.ready = 'true';

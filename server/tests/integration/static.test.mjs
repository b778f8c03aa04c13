// The web app's static files (served from static-dir) and path traversal attempts.
import assert from 'node:assert/strict';

import { INDEX_MARKER, SECRET_MARKER, useServer } from './server.mjs';
import { describeResponse, request } from './util.mjs';

const srv = useServer({ label: 'static' });

srv.test('GET / returns the index.html of the web app', async (s) => {
  const res = await request(s, 'GET', '/');
  assert.equal(res.status, 200, describeResponse(res));
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.ok(res.text.includes(INDEX_MARKER), describeResponse(res));
});

srv.test('GET /assets/app.js returns the file with a JavaScript content type', async (s) => {
  const res = await request(s, 'GET', '/assets/app.js');
  assert.equal(res.status, 200, describeResponse(res));
  assert.match(String(res.headers['content-type']), /javascript/);
  assert.ok(res.text.includes('serendip integration app'));
});

srv.test('an unknown SPA route such as /some/route returns index.html', async (s) => {
  for (const path of ['/some/route', '/chat', '/a/b/c?x=1']) {
    const res = await request(s, 'GET', path);
    assert.equal(res.status, 200, `${path}: ${describeResponse(res)}`);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.ok(res.text.includes(INDEX_MARKER), `${path}: ${describeResponse(res)}`);
  }
});

const traversals = [
  '/../../etc/passwd',
  '/../../../../../../../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
  '/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
  '/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/assets/../../../../../../etc/passwd',
  '/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  '/../secret.txt',
  '/%2e%2e/secret.txt',
  '/assets/..%2f..%2fsecret.txt',
  '/.%2e/secret.txt',
];

for (const path of traversals) {
  srv.test(`path traversal ${path} does not escape the static dir (400/404)`, async (s) => {
    const res = await request(s, 'GET', path);
    assert.ok(!res.text.includes('root:x:0:0'), `served /etc/passwd for ${path}`);
    assert.ok(!res.text.includes(SECRET_MARKER), `served a file outside the static dir for ${path}`);
    assert.ok([400, 403, 404].includes(res.status), `${path}: expected 400 or 404, got ${describeResponse(res)}`);
  });
}

// Not traversal on Linux (a backslash or a double-encoded dot is part of a file name), so the
// server may answer with the SPA page; it must still never serve files outside the static dir.
for (const path of ['/..%5c..%5c..%5c..%5c..%5c..%5cetc%5cpasswd', '/%252e%252e/%252e%252e/etc/passwd', '/..%5csecret.txt']) {
  srv.test(`odd path ${path} never serves a file outside the static dir`, async (s) => {
    const res = await request(s, 'GET', path);
    assert.ok(!res.text.includes('root:x:0:0'), `served /etc/passwd for ${path}`);
    assert.ok(!res.text.includes(SECRET_MARKER), `served a file outside the static dir for ${path}`);
    assert.ok([200, 400, 403, 404].includes(res.status), `${path}: ${describeResponse(res)}`);
  });
}

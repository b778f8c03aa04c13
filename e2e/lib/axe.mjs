// axe-core (npm) run inside a test's page: every screen of the call app and the
// dashboard is checked, and a serious or critical violation fails the test.
// The engine is evaluated through the DevTools protocol (page.evaluate), which
// the server's CSP (script-src 'self') does not apply to.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const FAILING = new Set(['serious', 'critical']);
// Moderate in axe, but every screen must have its level-one heading (the call screen had none).
const ALSO_FAILING = new Set(['page-has-heading-one']);

/** The serious and critical violations on the page as it is now, one line per element. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    // Rules for WCAG 2.x A and AA, and axe's best practices (the heading rules among them).
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary ?? '' })),
    }));
  });
  return violations
    .filter((v) => FAILING.has(v.impact) || ALSO_FAILING.has(v.id))
    .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id} (${v.help}) at ${n.target}: ${n.summary.replace(/\s+/g, ' ').trim()}`));
}

/** Fails with the list of serious and critical violations (and a missing h1) on `screen`, if any. */
export async function assertAccessible(page, screen) {
  const found = await axeViolations(page);
  // assert.ok, not deepEqual: the list is the message, printed once.
  assert.ok(found.length === 0, `axe-core found ${found.length} serious or critical violation(s) on ${screen}:\n${found.join('\n')}`);
}

// openapi.d.ts is generated from docs/openapi.yaml and committed: this fails
// when the two have drifted apart (regenerate with `npm run gen:api`). It runs
// the generator the way the gen:api script's command line does and compares
// the text byte for byte.
import { readFileSync } from 'node:fs';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

const spec = new URL('../../../../docs/openapi.yaml', import.meta.url);
const committed = new URL('./openapi.d.ts', import.meta.url);

describe('generated REST types', () => {
  it('src/lib/api/openapi.d.ts is current with docs/openapi.yaml', { timeout: 60_000 }, async () => {
    // The same options as the gen:api script (`--empty-objects-unknown`).
    const fresh = COMMENT_HEADER + astToString(await openapiTS(spec, { emptyObjectsUnknown: true, silent: true }));
    const current = readFileSync(committed, 'utf8');
    if (fresh !== current) {
      expect.fail('src/lib/api/openapi.d.ts is out of date with docs/openapi.yaml: run `npm run gen:api` in web/ and commit the result');
    }
  });
});

// The committed types are what openapi-typescript makes of the current docs/openapi.json: a
// changed document without `npm run gen` fails here (as sdk/gocheck/gen does for the Go types).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');

it('src/generated/openapi.ts is current with docs/openapi.json', () => {
  const cli = join(dirname(createRequire(import.meta.url).resolve('openapi-typescript/package.json')), 'bin', 'cli.js');
  const tmp = mkdtempSync(join(tmpdir(), 'hapihub-gen-'));
  try {
    const out = join(tmp, 'openapi.ts');
    execFileSync(process.execPath, [cli, join(pkgDir, '..', '..', 'docs', 'openapi.json'), '--output', out], { stdio: 'pipe' });
    const want = readFileSync(out, 'utf8');
    const got = readFileSync(join(pkgDir, 'src', 'generated', 'openapi.ts'), 'utf8');
    assert.ok(want === got, 'src/generated/openapi.ts is stale: run `cd sdk/js && npm run gen` and commit it');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

// The OpenAPI document checked with tools we did not write: Redocly's linter finds no errors,
// and openapi-typescript's output lets a strictly typed client write a Feathers find with a
// typed $sort and read typed platform responses (tsc --strict compiles typed-client.ts, whose
// @ts-expect-error lines also prove that wrong fields do not compile).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, copyFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { root } from './client.mjs'

const here = new URL('.', import.meta.url).pathname
const bin = (name) => join(here, 'node_modules', '.bin', name)
const doc = join(root, 'docs', 'openapi.json')

function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: 'pipe', ...opts })
  } catch (err) {
    assert.fail(`${cmd} ${args.join(' ')} failed (${err.status}):\n${err.stdout}\n${err.stderr}`)
  }
}

test('redocly lint reports no errors', () => {
  // Exit status 1 means errors; warnings alone exit 0. The recommended ruleset, no config file.
  const out = run(bin('redocly'), ['lint', doc, '--format=stylish'], { cwd: here, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } })
  assert.doesNotMatch(out, /\berror\b.*\n.*[1-9]\d* error/i)
})

test('openapi-typescript output compiles a strictly typed client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hapihub-ts-'))
  try {
    run(bin('openapi-typescript'), [doc, '-o', join(dir, 'hapihub.d.ts')])
    copyFileSync(join(here, 'typed-client.ts'), join(dir, 'typed-client.ts'))
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'ES2022', moduleResolution: 'bundler', skipLibCheck: false,
        noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, typeRoots: [], types: [] },
      files: ['typed-client.ts', 'hapihub.d.ts'],
    }))
    run(bin('tsc'), ['-p', join(dir, 'tsconfig.json')])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

// Starts the whole local stack (what `make run` runs) for the tests: the server built from this
// checkout, on a temporary data directory and a free port; its printed keys are read back.
// With HAPIHUB_API_URL and HAPIHUB_TEST_SECRET_KEY set, the tests use that stack instead.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startStack() {
  if (process.env.HAPIHUB_API_URL && process.env.HAPIHUB_TEST_SECRET_KEY) {
    return {
      url: process.env.HAPIHUB_API_URL,
      testKey: process.env.HAPIHUB_TEST_SECRET_KEY,
      pubKey: process.env.HAPIHUB_TEST_PUBLISHABLE_KEY,
      liveKey: process.env.HAPIHUB_LIVE_SECRET_KEY,
      async stop() {},
    };
  }
  const work = mkdtempSync(join(tmpdir(), 'hapihub-sdk-js-'));
  const bin = join(work, 'hapihub');
  // Built once, then run: `go run` would leave the server as a grandchild that a kill misses.
  execFileSync('go', ['build', '-o', bin, './infra/cmd/hapihub'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  const port = await freePort();
  const child = spawn(bin, ['run'], {
    cwd: repoRoot,
    env: { ...process.env, HAPIHUB_DATA_DIR: join(work, 'data'), PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errOut = '';
  child.stderr.on('data', (b) => (errOut += b));
  const printed = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack did not start in 180 s:\n${out}\n${errOut}`)), 180_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stack exited with ${code}:\n${out}\n${errOut}`));
    });
    child.stdout.on('data', (b) => {
      out += b;
      // "Console: ..." is printed once everything listens (the sign-in link follows it).
      if (/^Console: /m.test(out)) {
        clearTimeout(timer);
        resolve(Object.fromEntries([...out.matchAll(/^(HAPIHUB_[A-Z_]+)=(\S+)/gm)].map((m) => [m[1], m[2]])));
      }
    });
  });
  child.stdout.resume();
  return {
    url: printed.HAPIHUB_API_URL,
    testKey: printed.HAPIHUB_TEST_SECRET_KEY,
    pubKey: printed.HAPIHUB_TEST_PUBLISHABLE_KEY,
    liveKey: printed.HAPIHUB_LIVE_SECRET_KEY,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Whether the stack can be started here (Go on PATH) or is given. */
export function stackAvailable() {
  if (process.env.HAPIHUB_API_URL && process.env.HAPIHUB_TEST_SECRET_KEY) return true;
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

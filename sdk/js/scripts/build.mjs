// Builds dist/esm (ES modules) and dist/cjs (CommonJS) from src/ with TypeScript, each with its
// declarations. dist/cjs gets a package.json saying "commonjs", as the package itself is "module".
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const run = (...args) => execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), ...args], { stdio: 'inherit', cwd: root });
run();
run('--module', 'CommonJS', '--moduleResolution', 'Node10', '--outDir', 'dist/cjs');
mkdirSync(join(root, 'dist/cjs'), { recursive: true });
writeFileSync(join(root, 'dist/cjs/package.json'), '{"type":"commonjs"}\n');

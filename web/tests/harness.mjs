// What the browser tests share (e2e.mjs, login.mjs): Debian's Chromium with a fresh profile, `thuadat serve`
// on a free port, named checks that stop the run at the first failure, and the clean-up of servers and
// temporary directories. A missing Chromium or a server that does not start is a failure, never a skip.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`not ok - Chromium is not installed at ${CHROMIUM} (scripts/apt-install.sh chromium)`);
  process.exit(1);
}

const children = [];
const temps = [];
export function cleanUp() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  for (const t of temps) rmSync(t, { recursive: true, force: true });
}
process.on('exit', cleanUp);

/** A temporary directory, removed at the end. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Starts `<bin> serve <args> --addr 127.0.0.1:0`; resolves with its base URL and the child. */
export function serve(bin, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['serve', ...args, '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    const what = `thuadat serve ${args.join(' ')}`;
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 120 s`)), 120000);
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const m = line.match(/http:\/\/([^/\s]+)\//);
      if (!m) reject(new Error(`unexpected first line from thuadat serve: ${line}`));
      else resolve({ base: `http://${m[1]}`, child });
    });
  });
}

/** Stops a server and waits until it is gone. */
export function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

let passed = 0;
/** Runs one named check; the first failure ends the run with its stack. */
export async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
  } catch (e) {
    console.error(`not ok - ${name}\n${e.stack || e}`);
    cleanUp();
    process.exit(1);
  }
  passed += 1;
  console.log(`ok - ${name} (${Date.now() - t0} ms)`);
}

/** Says how many checks passed and ends the run. */
export function done() {
  console.log(`${passed} checks passed`);
  cleanUp();
  process.exit(0);
}

/** Debian's Chromium with a fresh profile (a new --user-data-dir) and the given options (viewport...). */
export async function launch(options = {}) {
  return chromium.launchPersistentContext(tempDir('thuadat-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // No GPU here: WebGL through SwiftShader (software), which MapLibre needs.
      '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
    ],
    ...options,
  });
}

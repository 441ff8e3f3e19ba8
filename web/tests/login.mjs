// The web map's login on a server with users (`thuadat serve --db`), in Debian's headless Chromium (driven by
// playwright-core): the page sends a browser without a session to /login; a wrong password is said on the
// page; the right one opens the map with the login, role and groups in its header; logging out ends the
// session; a user disabled mid-session is sent back to the login page at its next request.
//
//   node web/tests/login.mjs <thuadat binary> <database URL> <login> <password>
//
// The store must hold an imported commune and the user (a field user of one group). Run by tests/access.rs.
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const [bin, db, login, password] = process.argv.slice(2);
if (!bin || !db || !login || !password) {
  console.error('usage: node web/tests/login.mjs <thuadat binary> <database URL> <login> <password>');
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`not ok - Chromium is not installed at ${CHROMIUM} (scripts/apt-install.sh chromium)`);
  process.exit(1);
}
const children = [];
const temps = [];
function cleanUp() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  for (const t of temps) rmSync(t, { recursive: true, force: true });
}
process.on('exit', cleanUp);

const base = await new Promise((resolve, reject) => {
  const child = spawn(bin, ['serve', '--db', db, '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const timer = setTimeout(() => reject(new Error('thuadat serve --db did not start in 120 s')), 120000);
  child.on('exit', (code) => reject(new Error(`thuadat serve --db exited with ${code}`)));
  createInterface({ input: child.stdout }).once('line', (line) => {
    clearTimeout(timer);
    const m = line.match(/http:\/\/([^/\s]+)\//);
    if (!m) reject(new Error(`unexpected first line from thuadat serve: ${line}`));
    else resolve(`http://${m[1]}`);
  });
});

let passed = 0;
async function check(name, fn) {
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

const profile = mkdtempSync(join(tmpdir(), 'thuadat-chromium-'));
temps.push(profile);
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  ],
});
const page = context.pages()[0] || (await context.newPage());
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));

async function logIn(pw) {
  await page.fill('#login', login);
  await page.fill('#password', pw);
  await page.click('button[type=submit]');
}

await check('without a session the map sends the browser to its login page', async () => {
  await page.goto(`${base}/`);
  await page.waitForURL(`${base}/login`);
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  assert.match(await page.locator('h1').innerText(), /Đăng nhập/);
});

await check('a wrong password is said on the page, and no cookie is set', async () => {
  await logIn('not the password');
  await page.waitForSelector('.error');
  assert.match(await page.locator('.error').innerText(), /Sai tên đăng nhập hoặc mật khẩu/);
  assert.equal((await context.cookies()).length, 0);
});

await check('the right password opens the map with the login, role and groups in its header', async () => {
  await logIn(password);
  await page.waitForURL(`${base}/`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
  const who = await page.locator('#who').innerText();
  assert.match(who, new RegExp(`^${login} · Tổ thực địa · `));
  const [cookie] = await context.cookies();
  assert.equal(cookie.name, 'thuadat_session');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  // The group picker offers the field user's groups only.
  const options = await page.locator('#group option').allInnerTexts();
  const groups = await page.evaluate(() => window.thuadat.state.me.groups);
  assert.equal(options.length, groups.length + 1, options.join(' | '));
  assert.deepEqual(errors, []);
});

await check('logging out ends the session on the server', async () => {
  const cookie = (await context.cookies())[0].value;
  await page.click('#logout');
  await page.waitForURL(`${base}/login`);
  // The old cookie is worth nothing now, even sent by hand.
  const r = await fetch(`${base}/groups`, { headers: { Cookie: `thuadat_session=${cookie}` } });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('www-authenticate'), null);
});

await check('a user disabled mid-session is sent back to the login page at the next request', async () => {
  await logIn(password);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
  execFileSync(bin, ['user', 'disable', login, '--db', db]);
  await new Promise((r) => setTimeout(r, 1200));
  // A look-up at the middle of the map: its request is refused, and the page goes back to the login.
  await page.evaluate(() => {
    const [w, s, e, n] = window.thuadat.state.bounds;
    return window.thuadat.lookUp((w + e) / 2, (s + n) / 2, 5);
  }).catch(() => {});
  await page.waitForURL(`${base}/login`, { timeout: 10000 });
  await logIn(password);
  await page.waitForSelector('.error');
  assert.match(await page.locator('.error').innerText(), /Tài khoản đã bị khóa/);
});

await context.close();
console.log(`${passed} checks passed`);
cleanUp();
process.exit(0);

// The web map's login on a server with users (`thuadat serve --db`), in Debian's headless Chromium (driven by
// playwright-core): the page sends a browser without a session to /login; a wrong password is said on the
// page; the right one opens the map with the login, role and groups in its header; logging out ends the
// session; a user disabled mid-session is sent back to the login page at its next request.
//
//   node web/tests/login.mjs <thuadat binary> <database URL> <login> <password>
//
// The store must hold an imported commune and the user (a field user of one group). Run by tests/access.rs.
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { check, done, launch, serve } from './harness.mjs';

const [bin, db, login, password] = process.argv.slice(2);
if (!bin || !db || !login || !password) {
  console.error('usage: node web/tests/login.mjs <thuadat binary> <database URL> <login> <password>');
  process.exit(2);
}

const { base } = await serve(bin, ['--db', db]);
const context = await launch();
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
  await page.waitForFunction(() => document.body && document.body.dataset.ready === 'true', null, { timeout: 60000 });
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
  await page.waitForFunction(() => document.body && document.body.dataset.ready === 'true', null, { timeout: 60000 });
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
done();

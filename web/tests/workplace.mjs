// The web map as the team's workplace on a server with users (`thuadat serve --db`), in Debian's headless
// Chromium (driven by playwright-core): an officer works down a group's list, records a decision with a
// comment and sees its history; the decision survives a reload and is seen by a second officer; the map
// restyles at once; the holder comparison marks the fields that differ and records a confirmed link; the
// officer records a holder's current id and the holder is linked again; a viewer sees neither decisions nor
// holders. Screenshots for the README when a directory is given.
//
//   node web/tests/workplace.mjs <thuadat binary> <database URL> <officer> <password> <officer 2> <password 2>
//        <viewer> <password> [<screenshot dir>]
//
// The store must hold the imported sample and the three users. Run by tests/access.rs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { check, done, launch, serve } from './harness.mjs';

const [bin, db, officer, officerPw, second, secondPw, viewer, viewerPw, shots] = process.argv.slice(2);
if (!bin || !db || !viewerPw) {
  console.error('usage: node web/tests/workplace.mjs <bin> <db> <officer> <pw> <officer 2> <pw> <viewer> <pw> [<shots>]');
  process.exit(2);
}

const { base } = await serve(bin, ['--db', db]);

async function logIn(context, login, password, hash = '') {
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // A shared link: the server sends the browser to its login page, which opens the link once logged in.
  await page.goto(`${base}/${hash}`);
  await page.waitForURL(`${base}/login${hash}`);
  await page.fill('[data-testid=login-name]', login);
  await page.fill('[data-testid=login-password]', password);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL((u) => u.pathname === '/');
  await page.waitForFunction(() => document.body && document.body.dataset.ready === 'true', null, { timeout: 60000 });
  await idle(page);
  return { page, errors };
}
const idle = (page) => page.evaluate(() => window.thuadat.idle());
const text = (page, sel) => page.locator(sel).innerText();
const get = (page, path) => page.evaluate(async (p) => (await fetch(p, { headers: { Accept: 'application/json' } })).json(), path);

const desk = await launch({ viewport: { width: 1280, height: 900 } });
const { page, errors } = await logIn(desk, officer, officerPw);

// The first holder mismatch of the commune: a conflict with a holder comparison to act on.
const first = (await get(page, '/work?kind=holder_mismatch&limit=1')).items[0];
assert.ok(first, 'the sample has no holder_mismatch');
const parcelId = first.parcel.id;
const group = (await get(page, `/collections/parcels/items/${encodeURIComponent(parcelId)}`)).properties.group;
const comment = 'Đã gọi chủ hộ, hẹn đối chiếu CCCD ngày 10/12';

await check(`the officer opens the group's work list and its holder mismatch on parcel ${parcelId}`, async () => {
  await page.selectOption('[data-testid=group-picker]', group);
  await idle(page);
  await page.selectOption('[data-testid=work-filter-sort]', 'kind');
  await idle(page);
  await page.fill('[data-testid=work-search]', `${first.parcel.sheet}/${first.parcel.parcel_no}`);
  await page.press('[data-testid=work-search]', 'Enter');
  await idle(page);
  await page.click(`[data-testid=work-item][data-id="${first.id}"] button`);
  await idle(page);
  assert.equal(await text(page, '#parcel-table [data-field="id"]'), parcelId);
  assert.equal(await page.locator(`[data-testid=review-form][data-conflict="${first.id}"]`).count(), 1);
  assert.equal(await page.inputValue(`[data-testid=review-form][data-conflict="${first.id}"] [data-testid=review-status]`), 'open');
});

await check('a decision with a comment is saved, shown in its history, counted in the progress, drawn at once', async () => {
  const form = `[data-testid=review-form][data-conflict="${first.id}"]`;
  const before = Number(await page.getAttribute('[data-testid=work-progress]', 'data-done'));
  await page.selectOption(`${form} [data-testid=review-status]`, 'acknowledged');
  await page.fill(`${form} [data-testid=review-comment]`, comment);
  await page.click(`${form} [data-testid=review-save]`);
  await page.waitForFunction((f) => document.querySelector(`${f} [data-testid=review-said]`)?.textContent.startsWith('Đã lưu'), form);
  await idle(page);
  assert.equal(await text(page, `${form} [data-testid=review-said]`), 'Đã lưu: Đang xử lý');
  const history = await page.$$eval(`${form} [data-testid=review-history] li[data-to]`, (ls) => ls.map((l) => [l.dataset.to, l.textContent]));
  assert.match(await text(page, `${form} [data-testid=review-history] li[data-event="opened"]`), /^Phát hiện khi nhập dữ liệu · tester, /);
  assert.equal(history.length, 1);
  assert.equal(history[0][0], 'acknowledged');
  assert.ok(history[0][1].startsWith(`Đang xử lý · ${officer}, `) && history[0][1].endsWith(comment), history[0][1]);
  assert.equal(await page.getAttribute('[data-testid=work-progress]', 'data-done'), String(before + 1));
  assert.equal(await page.getAttribute(`[data-testid=work-item][data-id="${first.id}"] .review`, 'data-review'), 'acknowledged');
  // The tiles are fetched again: the conflict is drawn with its new state.
  const drawn = await page.evaluate((id) => window.thuadat.map.queryRenderedFeatures({ layers: ['conflicts-line', 'conflicts-point', 'conflicts-fill'] }).filter((f) => f.properties.id === id).map((f) => f.properties.status), first.id);
  assert.ok(drawn.length > 0 && drawn.every((s) => s === 'acknowledged'), JSON.stringify(drawn));
  if (shots) {
    await page.evaluate((f) => document.querySelector(f).scrollIntoView({ block: 'center' }), form);
    await page.screenshot({ path: join(shots, 'webmap-decision.png') });
  }
});

await check('the holders side by side: the fields that differ marked, the link confirmed with the officer named', async () => {
  const holders = await get(page, `/parcels/${encodeURIComponent(parcelId)}/holders`);
  const box = '[data-testid=holder-comparison]';
  await page.locator(box).scrollIntoViewIfNeeded();
  for (const h of holders.holders) {
    const card = `${box} .holder[data-line="${h.line}"]`;
    const marked = await page.$$eval(`${card} tr.differs`, (rs) => rs.map((r) => r.dataset.field));
    assert.deepEqual(marked, h.differs, `line ${h.line}`);
    assert.equal(await text(page, `${card} tr[data-field="name"] td[data-side="certificate"]`), h.name);
  }
  const mismatch = holders.holders.find((h) => h.linkage && h.linkage.status === 'mismatch');
  assert.ok(mismatch && mismatch.differs.length > 0, JSON.stringify(holders.holders.map((h) => h.linkage)));
  if (shots) {
    await page.locator(box).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'webmap-holders.png') });
  }
  await page.click(`${box} .holder[data-line="${mismatch.line}"] [data-testid=holder-confirm]`);
  await page.waitForFunction((s) => document.querySelector(s)?.textContent.startsWith('Đã xác nhận khớp'), `${box} .holder[data-line="${mismatch.line}"] [data-testid=holder-decision]`);
  assert.match(await text(page, `${box} .holder[data-line="${mismatch.line}"] [data-testid=holder-decision]`), new RegExp(`^Đã xác nhận khớp · ${officer}, `));
  const after = await get(page, `/parcels/${encodeURIComponent(parcelId)}/holders`);
  assert.equal(after.holders.find((h) => h.line === mismatch.line).decision.by, officer);
  assert.deepEqual(errors, []);
});

await check('after a reload, and for a second officer, the decision and its history are there', async () => {
  const hash = `#group=${encodeURIComponent(group)}&parcel=${encodeURIComponent(parcelId)}`;
  await page.goto(`${base}/${hash}`);
  await page.waitForFunction(() => document.body && document.body.dataset.ready === 'true', null, { timeout: 60000 });
  await idle(page);
  const form = `[data-testid=review-form][data-conflict="${first.id}"]`;
  assert.equal(await page.inputValue(`${form} [data-testid=review-status]`), 'acknowledged');
  const other = await launch({ viewport: { width: 1280, height: 900 } });
  const { page: p2 } = await logIn(other, second, secondPw, hash);
  assert.equal(await p2.inputValue(`${form} [data-testid=review-status]`), 'acknowledged');
  await p2.click(`${form} .history-box summary`);
  await p2.waitForFunction((f) => document.querySelectorAll(`${f} [data-testid=review-history] li[data-to]`).length === 1, form);
  assert.ok((await text(p2, `${form} [data-testid=review-history] li[data-to]`)).includes(`${officer}, `));
  // The second officer resolves it; the first sees it after a reload, with both in the history.
  await p2.selectOption(`${form} [data-testid=review-status]`, 'resolved');
  await p2.click(`${form} [data-testid=review-save]`);
  await p2.waitForFunction((f) => document.querySelector(`${f} [data-testid=review-said]`)?.textContent === 'Đã lưu: Đã khắc phục', form);
  await other.close();
  await page.reload();
  await page.waitForFunction(() => document.body && document.body.dataset.ready === 'true', null, { timeout: 60000 });
  await idle(page);
  assert.equal(await page.inputValue(`${form} [data-testid=review-status]`), 'resolved');
  await page.click(`${form} .history-box summary`);
  await page.waitForFunction((f) => document.querySelectorAll(`${f} [data-testid=review-history] li[data-to]`).length === 2, form);
  const who = await page.$$eval(`${form} [data-testid=review-history] li[data-to]`, (ls) => ls.map((l) => l.dataset.to));
  assert.deepEqual(who, ['resolved', 'acknowledged']);
  if (shots) {
    await page.click(`[data-testid=work-item][data-id="${first.id}"] button`).catch(() => {});
    await idle(page);
    await page.evaluate(() => document.getElementById('work').scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(shots, 'webmap-worklist.png') });
  }
});

await check('a viewer sees the map and the work list, but no decision form and no holders', async () => {
  const ctx = await launch({ viewport: { width: 1280, height: 900 } });
  const { page: v, errors: ve } = await logIn(ctx, viewer, viewerPw, `#group=${encodeURIComponent(group)}&parcel=${encodeURIComponent(parcelId)}`);
  assert.equal(await text(v, '#parcel-table [data-field="id"]'), parcelId);
  assert.equal(await v.locator('[data-testid=review-form]').count(), 0);
  assert.equal(await v.locator('[data-testid=holder-comparison]').count(), 0);
  assert.ok((await v.locator('[data-testid=work-item]').count()) > 0);
  assert.deepEqual(ve, []);
  await ctx.close();
});

await check('an officer points an unmatched certificate at its likely parcel; the commune is checked again at once', async () => {
  const item = (await get(page, '/work?kind=unmatched_certificate&limit=1000')).items.find((i) => i.located_by === 'candidate');
  const cert = item.cert_ids[0];
  await page.selectOption('[data-testid=group-picker]', '');
  await idle(page);
  await page.fill('[data-testid=work-search]', cert);
  await page.press('[data-testid=work-search]', 'Enter');
  await page.waitForFunction((id) => document.querySelectorAll('[data-testid=work-item]').length === 1 && document.querySelector('[data-testid=work-item]').dataset.id === id, item.id);
  await page.click(`[data-testid=work-item][data-id="${item.id}"] button`);
  await idle(page);
  assert.equal(await text(page, '#parcel-title'), 'GCN không có thửa trên bản đồ');
  const offered = await page.$$eval('[data-testid=candidates] li', (ls) => ls.map((l) => l.dataset.parcel));
  assert.equal(offered[0], item.parcel.id);
  // Each candidate says why, in Vietnamese: the slip, the area, whether it has a certificate of its own.
  const conflict = await get(page, `/collections/conflicts/items/${encodeURIComponent(item.id)}`);
  const reasons = await page.$$eval('[data-testid=candidates] li [data-testid=candidate-reason]', (ds) => ds.map((d) => d.textContent));
  assert.equal(reasons.length, offered.length);
  assert.equal(conflict.properties.candidate_reasons.split('|').length, offered.length);
  for (const r of reasons) {
    assert.match(r, /^(hai chữ số bị đảo chỗ|sai một chữ số|thừa một chữ số|thiếu một chữ số|thừa hai chữ số|thiếu hai chữ số|sai hai chỗ|số tờ sai một chữ số|khớp với số thửa bị mất chữ); (diện tích khớp trong [15]%|diện tích lệch \d+%|không có diện tích để so)(; thửa chưa có GCN)?$/, r);
  }
  await page.click(`[data-testid=candidates] li[data-parcel="${item.parcel.id}"] [data-testid=repoint]`);
  await page.waitForFunction(() => document.querySelector('[data-testid=repoint-said]')?.textContent.startsWith('Đã gán GCN'), null, { timeout: 60000 });
  await idle(page);
  assert.match(await text(page, '[data-testid=repoint-said]'), new RegExp(`^Đã gán GCN ${cert} cho thửa ${item.parcel.sheet}/${item.parcel.parcel_no}: kiểm tra lại ngay, [1-9]\\d* xung đột đã hết`));
  const after = await get(page, `/certificates/${encodeURIComponent(cert)}`);
  assert.deepEqual(after.served.parcel_ids, [item.parcel.id]);
  assert.ok(!after.served.conflict_ids.includes(item.id));
  assert.ok(!(await get(page, '/work?kind=unmatched_certificate&limit=1000')).items.some((i) => i.id === item.id));
  // The list followed: the search finds the certificate's conflict no more.
  assert.equal(await page.locator(`[data-testid=work-item][data-id="${item.id}"]`).count(), 0);
  await page.fill('[data-testid=work-search]', '');
  await page.press('[data-testid=work-search]', 'Enter');
  await idle(page);
});

await check('on a 360 px phone the officer’s decision controls and holder buttons are 44 px targets', async () => {
  const phone = await launch({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const { page: p, errors: pe } = await logIn(phone, officer, officerPw, `#group=${encodeURIComponent(group)}&parcel=${encodeURIComponent(parcelId)}`);
  const form = `[data-testid=review-form][data-conflict="${first.id}"]`;
  assert.equal(await p.inputValue(`${form} [data-testid=review-status]`), 'resolved');
  await p.evaluate((f) => { for (const d of document.querySelectorAll(`${f} details`)) d.open = true; }, form);
  const small = await p.evaluate(() => [...document.querySelectorAll('#parcel button, #parcel select, #parcel textarea, #parcel summary, #parcel a')]
    .filter((e) => e.offsetParent !== null)
    .map((e) => { const r = e.getBoundingClientRect(); return { what: `${e.tagName}.${e.className} ${e.textContent.slice(0, 20)}`, w: r.width, h: r.height }; })
    .filter((r) => r.w < 44 || r.h < 44));
  assert.deepEqual(small, []);
  assert.ok(await p.locator('[data-testid=holder-comparison]').isVisible());
  const scroll = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= 360, `page is ${scroll} px wide`);
  assert.deepEqual(pe, []);
  await phone.close();
});

await check("the officer records a holder's current id: linked again by it, the panel and the mismatch follow at once", async () => {
  const hash = `#group=${encodeURIComponent(group)}&parcel=${encodeURIComponent(parcelId)}`;
  await page.goto(`${base}/${hash}`);
  await page.reload();
  await page.waitForFunction(() => document.body && document.body.dataset.ready === 'true', null, { timeout: 60000 });
  await idle(page);
  await page.waitForSelector('[data-testid=holder-comparison] .holder', { timeout: 30000 });
  const before = (await get(page, `/parcels/${encodeURIComponent(parcelId)}/holders`)).holders;
  // A holder whose id is someone else's, found by attributes as a register entry with a 12-digit id: the id on
  // the holder's card.
  const h = before.find((x) => x.linkage && x.linkage.status === 'mismatch' && x.register && /^[0-9]{12}$/.test(x.register.citizen_id || ''));
  assert.ok(h, JSON.stringify(before.map((x) => [x.linkage, x.register && x.register.citizen_id])));
  const alone = before.filter((x) => x.cert_id === h.cert_id && x.linkage && x.linkage.status === 'mismatch').length === 1;
  const card = `[data-testid=holder-comparison] .holder[data-line="${h.line}"]`;
  await page.locator(card).scrollIntoViewIfNeeded();
  assert.equal(await page.locator(`${card} tr.differs[data-field="holder_id"]`).count(), 1);
  await page.fill(`${card} [data-testid=holder-id-input]`, h.register.citizen_id);
  await page.click(`${card} [data-testid=holder-id-save]`);
  await page.waitForSelector(`${card} [data-testid=holder-id-said]`, { timeout: 30000 });
  await idle(page);
  assert.match(await text(page, `${card} [data-testid=holder-id-said]`), /^Đã ghi số CCCD, đối chiếu lại: khớp theo số định danh; kiểm tra lại ngay, \d+ xung đột đã hết/);
  assert.equal(await text(page, `${card} tr[data-field="holder_id"] td[data-side="certificate"]`), h.register.citizen_id);
  assert.equal(await page.locator(`${card} tr.differs[data-field="holder_id"]`).count(), 0);
  const after = (await get(page, `/parcels/${encodeURIComponent(parcelId)}/holders`)).holders.find((x) => x.line === h.line);
  assert.equal(after.linkage.status, 'matched_by_id');
  if (alone) {
    // The certificate's only mismatched holder: its conflict is gone from the parcel's panel.
    assert.equal(await page.locator(`[data-testid=parcel-conflict][data-conflict="${first.id}"]`).count(), 0);
  }
  assert.deepEqual(errors, []);
});

await check('an id the register lacks, on a holder whose namesake there has another: not found, the namesake named', async () => {
  const before = (await get(page, `/parcels/${encodeURIComponent(parcelId)}/holders`)).holders;
  const h = before.find((x) => x.linkage && x.linkage.status === 'matched_by_id');
  assert.ok(h, JSON.stringify(before.map((x) => x.linkage)));
  const own = h.register.citizen_id;
  // The same province and birth year, another serial (three digits changed): another person's id.
  const serial = own.slice(6, 9) === '999' ? '888' : '999';
  const other = `${own.slice(0, 6)}${serial}${own.slice(9)}`;
  const card = `[data-testid=holder-comparison] .holder[data-line="${h.line}"]`;
  await page.locator(card).scrollIntoViewIfNeeded();
  await page.fill(`${card} [data-testid=holder-id-input]`, other);
  await page.click(`${card} [data-testid=holder-id-save]`);
  await page.waitForSelector(`${card} [data-testid=holder-id-said]`, { timeout: 30000 });
  await idle(page);
  assert.match(await text(page, `${card} [data-testid=holder-id-said]`), /^Đã ghi số CCCD, đối chiếu lại: /);
  const after = (await get(page, `/parcels/${encodeURIComponent(parcelId)}/holders`)).holders.find((x) => x.line === h.line);
  assert.equal(after.linkage.status, 'not_found');
  assert.equal(after.register, null);
  assert.equal(after.candidate.citizen_id, own);
  const said = await text(page, `${card} [data-testid=holder-candidate]`);
  assert.ok(said.startsWith('Người trùng tên trong CSDL dân cư nhưng khác số định danh') && said.includes(own), said);
  assert.deepEqual(errors, []);
});

await desk.close();
done();

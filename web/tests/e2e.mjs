// End-to-end tests of the web map, as a person uses it: the real `thuadat serve` on the bundled sample, the
// page in Debian's headless Chromium (driven by playwright-core), and every expectation taken from the
// server's own API (/groups, /work, OGC API - Features, /lookup). The page speaks Vietnamese unless switched.
//
//   node web/tests/e2e.mjs <path to the thuadat binary> <dataset dir> [<screenshot dir>]
//
// Run by tests/webmap.rs (and so by scripts/test.sh). Exits non-zero on the first failure; a missing
// Chromium or a server that does not start is a failure, never a skip.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { check, done, launch, serve, stop, tempDir } from './harness.mjs';

const [bin, dataset, shots] = process.argv.slice(2);
if (!bin || !dataset) {
  console.error('usage: node web/tests/e2e.mjs <thuadat binary> <dataset dir> [<screenshot dir>]');
  process.exit(2);
}

async function json(base, path) {
  const r = await fetch(base + path);
  assert.equal(r.status, 200, `${path}: HTTP ${r.status}`);
  return r.json();
}

const sorted = (xs) => [...new Set(xs)].sort();
const natural = new Intl.Collator('vi-VN', { numeric: true, sensitivity: 'base' });

const { base, child: server } = await serve(bin, [dataset]);
const groupsDoc = await json(base, '/groups');
const groups = groupsDoc.groups;
// The group with the most conflicts: its layers have the most to show.
const G = [...groups].sort((a, b) => b.conflicts - a.conflicts)[0];
const gq = `group=${encodeURIComponent(G.name)}`;
const gParcels = (await json(base, `/collections/parcels/items?${gq}&limit=10000`)).features;
const gConflicts = (await json(base, `/collections/conflicts/items?${gq}&limit=10000`)).features;

async function open(page, hash = '') {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/${hash}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
  await idle(page);
  return errors;
}
const idle = (page) => page.evaluate(() => window.thuadat.idle());

/** Distinct values of `prop` over the features of `layers` drawn in the viewport. */
const rendered = (page, layers, prop = 'id') =>
  page.evaluate(([layers, prop]) => {
    const fs = window.thuadat.map.queryRenderedFeatures({ layers });
    return [...new Set(fs.map((f) => f.properties[prop]))].sort();
  }, [layers, prop]);

const text = (page, sel) => page.locator(sel).innerText();

// A parcel of G with certificates and a conflict, and a point inside it and no other parcel.
async function interiorPoint(f) {
  const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
  const pts = ring.slice(0, -1);
  const lon = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const lat = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  const l = await json(base, `/lookup?lon=${lon}&lat=${lat}&accuracy=0`);
  return l.parcel && l.parcel.id === f.id && l.nearby.length === 0 ? { lon, lat } : null;
}
let target = null;
let targetAt = null;
for (const f of gParcels) {
  const p = f.properties;
  if (!p.cert_ids || !p.conflict_ids || !f.geometry) continue;
  const at = await interiorPoint(f);
  if (at) { target = f; targetAt = at; break; }
}
assert.ok(target, `no parcel of ${G.name} with certificates, a conflict and a clear interior point`);

const desktop = await launch({ viewport: { width: 1280, height: 800 } });
const page = await desktop.newPage();

await check('the page at / loads with the dataset name and every group of /groups in the picker', async () => {
  const errors = await open(page);
  assert.deepEqual(errors, []);
  assert.equal((await text(page, '#dataset')).replace(/^·\s*/, ''), groupsDoc.dataset);
  // Groups in natural order (Tổ dân phố 2 before 10), then the list of what belongs to no group.
  const options = await page.$$eval('#group option', (os) => os.map((o) => o.value));
  const names = groups.map((g) => g.name).sort((a, b) => natural.compare(a, b));
  const notLocated = groupsDoc.not_located.conflicts + groupsDoc.not_located.parcels > 0 ? ['__not_located__'] : [];
  assert.deepEqual(options, ['', ...names, ...notLocated]);
  assert.equal(await page.locator('#message').innerText(), '');
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
});

await check('WebGL draws: the canvas shows parcel colours over the background', async () => {
  // The middle of the dataset (TileJSON's centre) at zoom 15: parcels of every group fill the view.
  const tj = await json(base, '/tiles.json');
  await page.evaluate((c) => window.thuadat.map.jumpTo({ center: c, zoom: 15 }), tj.center.slice(0, 2));
  await idle(page);
  const stats = await page.evaluate(() => new Promise((resolve) => {
    const map = window.thuadat.map;
    map.once('render', () => {
      const gl = map.getCanvas().getContext('webgl2') || map.getCanvas().getContext('webgl');
      const w = gl.drawingBufferWidth;
      const h = gl.drawingBufferHeight;
      const px = new Uint8Array(w * h * 4);
      gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
      let drawn = 0;
      let coloured = 0;
      for (let i = 0; i < px.length; i += 4) {
        const [r, g, b] = [px[i], px[i + 1], px[i + 2]];
        if (Math.abs(r - 0xee) + Math.abs(g - 0xf0) + Math.abs(b - 0xea) > 24) drawn++;
        // Status fills (green, yellow, red) are saturated; the background and outlines are grey.
        if (Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
      }
      resolve({ drawn: drawn / (w * h), coloured: coloured / (w * h), renderer: gl.getParameter(gl.RENDERER) });
    });
    map.triggerRepaint();
  }));
  assert.ok(stats.drawn > 0.2, `only ${(stats.drawn * 100).toFixed(1)}% of the canvas drawn (${stats.renderer})`);
  assert.ok(stats.coloured > 0.05, `only ${(stats.coloured * 100).toFixed(1)}% in status colours (${stats.renderer})`);
});

await check(`picking “${G.name}” fits the map to it and draws exactly its parcels and conflicts`, async () => {
  await page.selectOption('#group', G.name);
  await page.waitForFunction((n) => document.querySelector('#scorecard-title')?.textContent === n, G.name);
  await idle(page);
  const b = await page.evaluate(() => window.thuadat.map.getBounds().toArray());
  assert.ok(b[0][0] <= G.bbox[0] && b[0][1] <= G.bbox[1] && b[1][0] >= G.bbox[2] && b[1][1] >= G.bbox[3], `view ${b} does not hold ${G.bbox}`);
  assert.ok(await page.evaluate(() => window.thuadat.map.getZoom()) >= 14, 'parcels are drawn from zoom 14');
  // Parcels: every parcel of the group with a geometry is drawn, each in its status's colour; the
  // neighbours around it are drawn too, dimmed (under the `parcels-dim` veil), the group's own never.
  assert.equal(gParcels.length, G.parcels);
  const parcelIds = sorted(gParcels.filter((f) => f.geometry).map((f) => f.id));
  const drawn = await rendered(page, ['parcels-fill', 'parcels-point']);
  for (const id of parcelIds) assert.ok(drawn.includes(id), `${id} of ${G.name} not drawn`);
  const dimmed = await rendered(page, ['parcels-dim']);
  assert.ok(dimmed.length > 0, 'no neighbouring parcel drawn around the group');
  assert.deepEqual(dimmed.filter((id) => parcelIds.includes(id)), []);
  assert.deepEqual(sorted([...dimmed, ...parcelIds]), sorted(drawn.filter((id) => parcelIds.includes(id) || dimmed.includes(id))));
  const statusOf = await page.evaluate(() => Object.fromEntries(window.thuadat.map.queryRenderedFeatures({ layers: ['parcels-fill', 'parcels-point'] }).map((f) => [f.properties.id, f.properties.status])));
  for (const f of gParcels.filter((f) => f.geometry)) assert.equal(statusOf[f.id], f.properties.status, `status of ${f.id}`);
  // Conflicts: those of the group that have a place on the map.
  const onMap = sorted(gConflicts.filter((f) => f.geometry).map((f) => f.id));
  assert.ok(onMap.length > 0);
  assert.deepEqual(await rendered(page, ['conflicts-fill', 'conflicts-line', 'conflicts-point']), onMap);
  // The scorecard and the kind ticks say what /groups says; the work list holds the group's work, 50 a page.
  const card = await page.$$eval('#scorecard-table tr', (rs) => rs.map((r) => r.querySelector('td').dataset.count));
  assert.deepEqual(card, [G.parcels, G.status['1'], G.status['2'], G.status['3'], G.conflicts].map(String));
  const legend = await page.$$eval('#work label[data-kind]:not([data-kind="parcel"])', (ls) => Object.fromEntries(ls.map((l) => [l.dataset.kind, Number(l.querySelector('.count').textContent.replace(/\./g, ''))])));
  for (const [k, n] of Object.entries(G.conflicts_by_kind)) assert.equal(legend[k], n, k);
  const w = await json(base, `/work?${gq}&limit=1000`);
  assert.equal(await page.getAttribute('[data-testid=work-progress]', 'data-all'), String(G.conflicts));
  assert.equal(await page.locator('[data-testid=work-item]').count(), Math.min(50, w.matched));
  const firstIds = await page.$$eval('[data-testid=work-item]', (ls) => ls.map((l) => l.dataset.id));
  assert.deepEqual(firstIds, w.items.slice(0, 50).map((i) => i.id));
  assert.match(page.url(), new RegExp(`#group=${encodeURIComponent(G.name).replace(/%20/g, '\\+')}&`));
});

await check('a conflict kind switched off leaves the map and the work list, and comes back', async () => {
  const kind = Object.entries(G.conflicts_by_kind).filter(([k, n]) => n > 0 && gConflicts.some((f) => f.geometry && f.properties.kind === k))[0][0];
  const of = (k) => sorted(gConflicts.filter((f) => f.geometry && f.properties.kind === k).map((f) => f.id));
  const before = (await json(base, `/work?${gq}&limit=1`)).matched;
  await page.uncheck(`input[data-kind="${kind}"]`);
  await idle(page);
  const kinds = await rendered(page, ['conflicts-fill', 'conflicts-line', 'conflicts-point'], 'kind');
  assert.ok(!kinds.includes(kind), `${kind} still drawn`);
  const others = Object.keys(G.conflicts_by_kind).filter((k) => k !== kind).join(',');
  const after = (await json(base, `/work?${gq}&kind=${others},parcel&limit=1`)).matched;
  assert.equal(after, before - G.conflicts_by_kind[kind]);
  await page.waitForFunction((n) => document.querySelector('[data-testid=work-page]').textContent.endsWith(n), after.toLocaleString('vi-VN'));
  assert.equal(await page.locator(`[data-testid=work-item][data-type=conflict]`).evaluateAll((ls, k) => ls.filter((l) => l.textContent.includes(k)).length, kind), 0);
  await page.check(`input[data-kind="${kind}"]`);
  await idle(page);
  const ids = await page.evaluate((k) => [...new Set(window.thuadat.map.queryRenderedFeatures({ layers: ['conflicts-fill', 'conflicts-line', 'conflicts-point'] }).filter((f) => f.properties.kind === k).map((f) => f.properties.id))].sort(), kind);
  assert.deepEqual(ids, of(kind));
});

await check('parcel labels sheet/parcel at high zoom, group outlines at low zoom', async () => {
  await page.evaluate(([lon, lat]) => window.thuadat.map.jumpTo({ center: [lon, lat], zoom: 19 }), [targetAt.lon, targetAt.lat]);
  await idle(page);
  const labels = await page.evaluate(() => window.thuadat.map.queryRenderedFeatures({ layers: ['parcels-label'] }).map((f) => `${f.properties.sheet}/${f.properties.parcel_no}`));
  assert.ok(labels.includes(`${target.properties.sheet}/${target.properties.parcel_no}`), `labels: ${labels}`);
  await page.evaluate(() => window.thuadat.map.jumpTo({ zoom: 12 }));
  await idle(page);
  assert.ok((await rendered(page, ['groups-outline'], 'name')).includes(G.name));
  assert.deepEqual(await rendered(page, ['parcels-fill']), []);
  assert.equal(await page.locator('#zoom-hint').isVisible(), true);
});

await check(`clicking parcel ${target.id} opens its panel: attributes, certificates, open conflicts`, async () => {
  await page.evaluate(([lon, lat]) => window.thuadat.map.jumpTo({ center: [lon, lat], zoom: 19 }), [targetAt.lon, targetAt.lat]);
  await idle(page);
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction((id) => document.querySelector('#parcel-table [data-field="id"]')?.textContent === id, target.id);
  const p = target.properties;
  assert.equal(await text(page, '#parcel-title'), `Thửa ${p.sheet}/${p.parcel_no}`);
  const field = (k) => text(page, `#parcel-table [data-field="${k}"]`);
  assert.equal(await field('sheet'), String(p.sheet));
  assert.equal(await field('parcel_no'), String(p.parcel_no));
  assert.equal(await field('land_use'), p.land_use ?? '—');
  assert.equal(await field('group'), G.name);
  assert.equal(await field('parcel_code'), p.parcel_code ?? '—');
  assert.ok((await field('status')).startsWith(`Nhóm ${p.status}: `), await field('status'));
  const lookup = await json(base, `/lookup?lon=${targetAt.lon}&lat=${targetAt.lat}&accuracy=0`);
  const certs = await page.$$eval('#parcel-certificates li', (ls) => ls.map((l) => [l.dataset.cert, l.textContent]));
  assert.deepEqual(certs.map((c) => c[0]), p.cert_ids.split(';'));
  for (const [i, c] of lookup.parcel.certificates.entries()) {
    assert.equal(certs[i][0], c.id);
    assert.ok(certs[i][1].endsWith(c.status === 'ok' ? 'khớp' : `có xung đột (${c.conflict_ids.length})`), certs[i][1]);
  }
  const conflicts = await page.$$eval('#parcel-conflicts li', (ls) => ls.map((l) => l.dataset.conflict));
  assert.deepEqual(conflicts, p.conflict_ids.split(';'));
  assert.deepEqual(lookup.parcel.conflicts.map((c) => c.id), conflicts);
  assert.ok(page.url().includes(`parcel=${target.id}`), page.url());
  const hl = await rendered(page, ['parcel-selected']);
  assert.deepEqual(hl, [target.id]);
});

await check('an entry of the work list opens its parcel and zooms the map to its conflict', async () => {
  const wl = await json(base, `/work?${gq}&limit=50`);
  const item = wl.items.find((i) => i.type === 'conflict' && i.bbox && i.located_by === 'parcel');
  const f = gConflicts.find((c) => c.id === item.id);
  await page.click(`[data-testid=work-item][data-id="${f.id}"] button`);
  await idle(page);
  assert.equal(await text(page, '#parcel-table [data-field="id"]'), item.parcel.id);
  const b = await page.evaluate(() => window.thuadat.map.getBounds().toArray());
  const [w, s, e, n] = (() => {
    let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
    const walk = (c) => (typeof c[0] === 'number' ? ([w, s, e, n] = [Math.min(w, c[0]), Math.min(s, c[1]), Math.max(e, c[0]), Math.max(n, c[1])]) : c.forEach(walk));
    walk(f.geometry.coordinates);
    return [w, s, e, n];
  })();
  assert.ok(b[0][0] <= w && b[0][1] <= s && b[1][0] >= e && b[1][1] >= n, `view ${b} does not hold ${f.id}`);
  assert.ok(await page.evaluate(() => window.thuadat.map.getZoom()) >= 16);
  assert.deepEqual(await rendered(page, ['conflict-selected']), [f.id]);
});

await check('looking up a typed coordinate lists the candidate parcels /lookup gives, with the accuracy circle', async () => {
  // A corner of the target parcel: shared with its neighbours, so several parcels are within 5 m.
  const ring = target.geometry.type === 'Polygon' ? target.geometry.coordinates[0] : target.geometry.coordinates[0][0];
  const [lon, lat] = ring[0];
  const expected = await json(base, `/lookup?lon=${lon}&lat=${lat}&accuracy=5`);
  const ids = [expected.parcel, ...expected.nearby].filter(Boolean).map((p) => p.id);
  assert.ok(ids.length >= 2, `only ${ids} near a corner`);
  await page.fill('#where-coords', `${lat}, ${lon}, 5`);
  await page.click('#where button[type="submit"]');
  await page.waitForSelector('#lookup-candidates li');
  await idle(page);
  assert.deepEqual(await page.$$eval('#lookup-candidates li', (ls) => ls.map((l) => l.dataset.parcel)), ids);
  // The accuracy circle (5 m around the point) and the point are drawn.
  const drawn = await page.evaluate(() => window.thuadat.map.queryRenderedFeatures({ layers: ['lookup-accuracy', 'lookup-point'] }).map((f) => [f.layer.id, f.geometry.type]).sort());
  assert.deepEqual(drawn, [['lookup-accuracy', 'Polygon'], ['lookup-point', 'Point']]);
  const radius = await page.evaluate(([lon, lat]) => {
    const map = window.thuadat.map;
    const ring = map.queryRenderedFeatures({ layers: ['lookup-accuracy'] })[0].geometry.coordinates[0];
    const toM = (p) => [(p[0] - lon) * 111320 * Math.cos((lat * Math.PI) / 180), (p[1] - lat) * 111320];
    return ring.map((p) => Math.hypot(...toM(p)));
  }, [lon, lat]);
  for (const r of radius) assert.ok(Math.abs(r - 5) < 0.1, `circle vertex ${r} m from the point`);
  assert.match(await text(page, '#message'), /Có nhiều hơn một thửa trong phạm vi/);
});

await check('typed coordinates in every form field teams use find the same parcels', async () => {
  const expected = await json(base, `/lookup?lon=${targetAt.lon}&lat=${targetAt.lat}&accuracy=5`);
  const ids = [expected.parcel, ...expected.nearby].filter(Boolean).map((p) => p.id);
  const dms = (v, hemi) => {
    const d = Math.floor(v); const m = Math.floor((v - d) * 60); const s = ((v - d) * 60 - m) * 60;
    return `${d}°${m}′${s.toFixed(4).replace('.', ',')}″${hemi}`;
  };
  const health = await json(base, '/health');
  assert.deepEqual(health.crs, { definition: 'VN2000:105.0', projected: true });
  // VN-2000 X/Y of the point by GDAL (gdaltransform), with the TM-3 zone and Helmert parameters of
  // DATASET.md: an independent reference for the server's own transformation.
  const vn2000 = '+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 +units=m +no_defs';
  const en = execFileSync('gdaltransform', ['-s_srs', 'EPSG:4326', '-t_srs', vn2000], { input: `${targetAt.lon} ${targetAt.lat}\n` }).toString().trim().split(/\s+/).map(Number);
  const forms = [
    `${String(targetAt.lat).replace('.', ',')} ${String(targetAt.lon).replace('.', ',')}`,
    `${String(targetAt.lat).replace('.', ',')}; ${String(targetAt.lon).replace('.', ',')}`,
    `${dms(targetAt.lat, 'B')} ${dms(targetAt.lon, 'Đ')}`,
    `${dms(targetAt.lat, 'N').replace(/,/g, '.')} ${dms(targetAt.lon, 'E').replace(/,/g, '.')}`,
    `X=${en[1].toFixed(3)} Y=${en[0].toFixed(3)}`,
    `${en[1].toFixed(3).replace('.', ',')} ${en[0].toFixed(3).replace('.', ',')}`,
  ];
  for (const form of forms) {
    await page.fill('#where-coords', form);
    await page.click('#where button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('#lookup-candidates li'));
    await idle(page);
    assert.deepEqual(await page.$$eval('#lookup-candidates li', (ls) => ls.map((l) => l.dataset.parcel)), ids, form);
    assert.equal(await text(page, '#parcel-table [data-field="id"]'), target.id, form);
    await page.evaluate(() => { document.querySelector('#lookup').hidden = true; document.querySelector('#lookup-candidates').remove(); });
  }
});

await check('“Where am I?” asks the device for its position and looks it up with the fix’s accuracy', async () => {
  // A fix 12 m accurate inside the target parcel: /lookup with accuracy=12 says which parcels are in reach.
  const geo = await launch({ viewport: { width: 1280, height: 800 }, permissions: ['geolocation'], geolocation: { latitude: targetAt.lat, longitude: targetAt.lon, accuracy: 12 } });
  const p = await geo.newPage();
  await open(p);
  await p.click('#locate');
  await p.waitForSelector('#lookup-candidates li');
  assert.equal(await p.getAttribute('#locate', 'aria-pressed'), 'true');
  assert.match(await text(p, '#lookup-extra'), /^Vị trí trung bình của 1 lần đo, ±12 m/);
  await idle(p);
  const expected = await json(base, `/lookup?lon=${targetAt.lon}&lat=${targetAt.lat}&accuracy=12`);
  assert.equal(expected.parcel.id, target.id);
  assert.deepEqual(await p.$$eval('#lookup-candidates li', (ls) => ls.map((l) => l.dataset.parcel)), [expected.parcel, ...expected.nearby].map((x) => x.id));
  assert.match(await text(p, '#lookup-title'), /\(±12 m\)$/);
  assert.equal(await text(p, '#parcel-table [data-field="id"]'), target.id);
  await geo.close();
});

await check('finding sheet/number selects and frames the parcel', async () => {
  const p = target.properties;
  await page.fill('#find-sheet', String(p.sheet));
  await page.fill('#find-parcel', String(p.parcel_no));
  await page.click('#find button[type="submit"]');
  await page.waitForFunction((id) => document.querySelector('#parcel-table [data-field="id"]')?.textContent === id, target.id);
  await idle(page);
  assert.deepEqual(await rendered(page, ['parcel-selected']), [target.id]);
});

await check('a national parcel code typed finds its parcel; a code no parcel carries finds the parcel at its point', async () => {
  const all = await json(base, '/collections/parcels/items?limit=10000');
  const coded = all.features.find((f) => f.properties.group === G.name && f.properties.status === 1 && f.properties.parcel_code);
  assert.ok(coded, 'a parcel of the group with a right code');
  await page.fill('#where-coords', coded.properties.parcel_code.toUpperCase());
  await page.click('#where button[type="submit"]');
  await page.waitForFunction((id) => document.querySelector('#parcel-table [data-field="id"]')?.textContent === id, coded.id);
  await idle(page);
  assert.equal(await text(page, '#parcel-table [data-field="parcel_code"]'), coded.properties.parcel_code);
  assert.deepEqual(await rendered(page, ['parcel-selected']), [coded.id]);
  // The code of a parcel left without one (an `empty` conflict proposes it): no parcel carries it yet, so the
  // look-up goes to the point it names, which is inside that parcel.
  const conflicts = await json(base, '/collections/conflicts/items?kind=parcel_code&limit=1000');
  const empty = conflicts.features.find((f) => f.properties.code_defect === 'empty');
  await page.fill('#where-coords', empty.properties.proposed_code);
  await page.click('#where button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#message')?.textContent.startsWith('Không thửa nào mang mã định danh'));
  await idle(page);
  assert.equal(await text(page, '#parcel-table [data-field="id"]'), empty.properties.parcel_ids);
  assert.equal(await text(page, '#parcel-table [data-field="parcel_code"]'), '—');
  const detail = await page.$$eval('#parcel-conflicts [data-testid=conflict-detail]', (ds) => ds.map((d) => d.textContent));
  assert.ok(detail.includes(`Thửa chưa có mã định danh; mã đề xuất ${empty.properties.proposed_code}`), JSON.stringify(detail));
});

await check('bad states in words: unknown parcel number, a lookup outside every parcel, bad coordinates', async () => {
  await page.fill('#find-sheet', '3');
  await page.fill('#find-parcel', '99999');
  await page.click('#find button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#message').textContent.includes('99999'));
  assert.equal(await text(page, '#message'), 'Không có thửa số 99999 trên tờ 3.');
  assert.equal(await page.getAttribute('#message', 'class'), 'error');

  await page.fill('#where-coords', '21.5, 105.9');
  await page.click('#where button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#message').textContent.includes('ngoài mọi thửa'));
  assert.equal(await text(page, '#message'), 'Không có thửa nào tại 21.500000, 105.900000 (±5 m): điểm nằm ngoài mọi thửa trên bản đồ (không có thửa nào trong phạm vi 5 m).');
  assert.equal(await page.locator('#lookup-candidates li').count(), 0);

  await page.fill('#where-coords', 'north of the market');
  await page.click('#where button[type="submit"]');
  assert.match(await text(page, '#message'), /^Hãy nhập tọa độ: vĩ độ, kinh độ/);
});

await check('the URL carries group, zoom, centre and parcel: a shared link opens the same view', async () => {
  await page.selectOption('#group', G.name);
  await page.waitForFunction((n) => document.querySelector('#scorecard-title')?.textContent === n, G.name);
  // Picking a group fits the map to it once its conflicts are loaded: wait for that before moving the map,
  // or the late fit moves it away from the target again.
  await idle(page);
  await page.evaluate(([lon, lat]) => window.thuadat.map.jumpTo({ center: [lon, lat], zoom: 18.5 }), [targetAt.lon, targetAt.lat]);
  await idle(page);
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await idle(page);
  assert.equal(await text(page, '#parcel-table [data-field="id"]'), target.id);
  assert.ok(page.url().includes(`parcel=${encodeURIComponent(target.id)}`), page.url());
  const url = page.url();
  const other = await desktop.newPage();
  await open(other, url.slice(url.indexOf('#')));
  assert.equal(await other.inputValue('#group'), G.name);
  assert.equal(await text(other, '#parcel-table [data-field="id"]'), target.id);
  const v = await other.evaluate(() => ({ z: window.thuadat.map.getZoom(), c: window.thuadat.map.getCenter() }));
  assert.ok(Math.abs(v.z - 18.5) < 0.01, `zoom ${v.z}`);
  assert.ok(Math.abs(v.c.lng - targetAt.lon) < 1e-5 && Math.abs(v.c.lat - targetAt.lat) < 1e-5);
  if (shots) await other.screenshot({ path: join(shots, 'webmap-desktop.png') });
  await other.close();

  const bad = await desktop.newPage();
  await open(bad, '#group=No%20such%20group');
  assert.equal(await text(bad, '#message'), 'Không có tổ/thôn nào tên “No such group”; đang hiện tất cả các tổ.');
  await bad.close();
});

await check('the work list pages, filters, searches, and next/previous walk it with the map following', async () => {
  await page.selectOption('#group', G.name);
  await idle(page);
  const all = await json(base, `/work?${gq}&limit=1000`);
  // Pages of 50.
  await page.click('[data-testid=work-next-page]');
  await page.waitForFunction((id) => document.querySelector('[data-testid=work-item]')?.dataset.id === id, all.items[50].id);
  assert.equal(await text(page, '[data-testid=work-page]'), `51–${Math.min(100, all.matched)} / ${all.matched.toLocaleString('vi-VN')}`);
  await page.click('[data-testid=work-prev-page]');
  await page.waitForFunction((id) => document.querySelector('[data-testid=work-item]')?.dataset.id === id, all.items[0].id);
  // Next / previous: the 50th item, then next crosses to the second page; the panel and the map follow.
  await page.click('[data-testid=work-item][data-index="49"] button');
  await idle(page);
  await page.click('[data-testid=work-next]');
  await idle(page);
  const it = all.items[50];
  assert.equal(await text(page, '[data-testid=work-position]'), `Mục 51 / ${all.matched.toLocaleString('vi-VN')}`);
  if (it.parcel) assert.equal(await text(page, '#parcel-table [data-field="id"]'), it.parcel.id);
  if (it.bbox) {
    const c = await page.evaluate(() => window.thuadat.map.getCenter());
    assert.ok(c.lng >= it.bbox[0] - 1e-6 && c.lng <= it.bbox[2] + 1e-6 && c.lat >= it.bbox[1] - 1e-6 && c.lat <= it.bbox[3] + 1e-6, `map centre ${c.lng},${c.lat} not on ${it.id}`);
  }
  await page.click('[data-testid=work-prev]');
  await idle(page);
  assert.equal(await text(page, '[data-testid=work-position]'), `Mục 50 / ${all.matched.toLocaleString('vi-VN')}`);
  // Filters: group 3 parcels only, then a search by sheet/number.
  await page.selectOption('[data-testid=work-filter-status]', '3');
  const s3 = await json(base, `/work?${gq}&status=3&limit=1000`);
  await page.waitForFunction((n) => document.querySelector('[data-testid=work-page]').textContent.endsWith(` ${n}`), s3.matched.toLocaleString('vi-VN'));
  assert.deepEqual(await page.$$eval('[data-testid=work-item]', (ls) => ls.map((l) => l.dataset.id)), s3.items.slice(0, 50).map((i) => i.id));
  await page.selectOption('[data-testid=work-filter-status]', '');
  await idle(page);
  const label = `${target.properties.sheet}/${target.properties.parcel_no}`;
  const found = await json(base, `/work?${gq}&q=${encodeURIComponent(label)}`);
  await page.fill('[data-testid=work-search]', label);
  await page.press('[data-testid=work-search]', 'Enter');
  await page.waitForFunction((n) => document.querySelector('[data-testid=work-page]').textContent.endsWith(` ${n}`) && document.querySelectorAll('[data-testid=work-item]').length === n, found.matched);
  assert.deepEqual(await page.$$eval('[data-testid=work-item]', (ls) => ls.map((l) => l.dataset.id)), found.items.map((i) => i.id));
  await page.fill('[data-testid=work-search]', '');
  await page.press('[data-testid=work-search]', 'Enter');
  await idle(page);
});

await check('every conflict of the commune is reachable: the groups’ lists and the not-located list add up', async () => {
  let sum = 0;
  for (const g of groups) sum += (await json(base, `/work?group=${encodeURIComponent(g.name)}&limit=1`)).progress.conflicts;
  await page.selectOption('#group', '__not_located__');
  await idle(page);
  const nl = await json(base, '/work?not_located=true&limit=1000');
  assert.equal(await page.getAttribute('[data-testid=work-progress]', 'data-all'), String(nl.progress.conflicts));
  assert.equal(await text(page, '#work-title'), 'Việc cần làm · Chưa xác định được tổ');
  assert.equal(sum + nl.progress.conflicts, groupsDoc.totals.conflicts);
  assert.ok(page.url().includes('list=not-located'));
  await page.selectOption('#group', G.name);
  await idle(page);
});

await check('Vietnamese throughout (no English UI text left), English as a switch', async () => {
  const english = await page.evaluate(() => {
    const { vi, en, kinds } = window.thuadat.dictionaries;
    const words = [...Object.keys(en).filter((k) => en[k] !== vi[k]).map((k) => en[k]), ...Object.values(kinds.en)];
    return words.map((w) => w.split(/\{\w+\}/)).flat().map((w) => w.trim()).filter((w) => w.length >= 8 && /[a-z]{4}/.test(w));
  });
  const shown = await page.evaluate(() => document.body.innerText);
  const left = english.filter((w) => shown.includes(w));
  assert.deepEqual(left, []);
  assert.match(shown, /1\.|Nhóm 1: sử dụng được/);
  // Numbers in vi-VN: the mapped area has a decimal comma.
  await page.evaluate((id) => window.thuadat.selectParcel(id), target.id);
  await idle(page);
  assert.match(await text(page, '#parcel-table [data-field="area_m2"]'), /^[\d.]+(,\d+)? m²$/);
  await page.click('[data-testid=lang-switch]');
  await page.waitForFunction(() => document.body.dataset.ready === 'true' && document.documentElement.lang === 'en', null, { timeout: 60000 });
  await idle(page);
  assert.equal(await text(page, '#parcel-title'), `Parcel ${target.properties.sheet}/${target.properties.parcel_no}`);
  assert.match(await text(page, '#work-title'), /^Work list · /);
  assert.equal(await text(page, '[data-testid=lang-switch]'), 'Tiếng Việt');
  await page.click('[data-testid=lang-switch]');
  await page.waitForFunction(() => document.body.dataset.ready === 'true' && document.documentElement.lang === 'vi', null, { timeout: 60000 });
  await idle(page);
});

await check('the status palette stays apart for deuteranopes, with at least 3:1 contrast for its marks', async () => {
  const palette = await page.evaluate(() => window.thuadat.palette.STATUS);
  const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const rgb = (hex) => [1, 3, 5].map((i) => lin(parseInt(hex.slice(i, i + 2), 16)));
  const lum = ([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  // Machado et al. (2009), deuteranopia at severity 1.0, on linear RGB.
  const M = [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]];
  const deut = (c) => M.map((row) => Math.min(1, Math.max(0, row[0] * c[0] + row[1] * c[1] + row[2] * c[2])));
  const lab = (c) => {
    const [r, g, b] = c;
    const xyz = [0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b, 0.0193 * r + 0.1192 * g + 0.9505 * b];
    const f = (t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
    const [fx, fy, fz] = [xyz[0] / 0.95047, xyz[1], xyz[2] / 1.08883].map(f);
    return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
  };
  const dE = (a, b) => Math.hypot(...lab(a).map((v, i) => v - lab(b)[i]));
  const white = [1, 1, 1];
  for (const s of [1, 2, 3]) {
    assert.ok(contrast(rgb(palette[s].fill), white) >= 3, `status ${s} fill ${contrast(rgb(palette[s].fill), white).toFixed(2)}:1`);
    assert.ok(contrast(rgb(palette[s].line), white) >= 3, `status ${s} line`);
  }
  for (const [a, b] of [[1, 2], [1, 3], [2, 3]]) {
    const d = dE(deut(rgb(palette[a].fill)), deut(rgb(palette[b].fill)));
    assert.ok(d >= 20, `statuses ${a} and ${b} are ${d.toFixed(1)} apart (ΔE) for a deuteranope`);
  }
  // Group 3's second cue: the hatching and the heavier outline are layers of the map.
  const layers = await page.evaluate(() => window.thuadat.map.getStyle().layers.map((l) => l.id));
  assert.ok(layers.includes('parcels-hatch') && layers.includes('parcels-line-3'));
});

await check('a 360 px phone: no sideways scrolling, the map and the panel both usable', async () => {
  const phone = await launch({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const p = await phone.newPage();
  await open(p, `#${gq}&parcel=${encodeURIComponent(target.id)}`);
  const layout = await p.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    map: document.getElementById('map').getBoundingClientRect().toJSON(),
    panel: document.getElementById('panel').getBoundingClientRect().toJSON(),
  }));
  assert.ok(layout.scroll <= 360, `page is ${layout.scroll} px wide`);
  assert.ok(layout.map.width === 360 && layout.map.height >= 300, JSON.stringify(layout.map));
  assert.ok(layout.panel.top >= layout.map.bottom - 1 && layout.panel.width === 360, JSON.stringify(layout.panel));
  // A compact header; the group shown at a zoom where its parcels draw.
  const header = await p.evaluate(() => document.getElementById('bar').getBoundingClientRect().height);
  assert.ok(header <= 60, `the header takes ${header} px`);
  assert.ok(await p.evaluate(() => window.thuadat.map.getZoom()) >= 14);
  assert.ok((await rendered(p, ['parcels-fill', 'parcels-point'])).length > 0);
  assert.equal(await text(p, '#parcel-table [data-field="id"]'), target.id);
  // Every control a finger can reach is at least 44 × 44 px (the tools menu open, the filters open).
  await p.click('#menu-toggle');
  await p.evaluate(() => { document.querySelector('.work-filters').open = true; });
  const small = await p.evaluate(() => [...document.querySelectorAll('button, a, input, select, summary, textarea, label.kind-row')]
    .filter((e) => e.offsetParent !== null && !e.closest('label.kind-row, .skip') || e.matches('label.kind-row'))
    .filter((e) => !e.classList.contains('skip'))
    .map((e) => { const r = e.getBoundingClientRect(); return { what: `${e.tagName}#${e.id}.${e.className} ${e.textContent.slice(0, 20)}`, w: r.width, h: r.height }; })
    .filter((r) => r.w > 0 && (r.w < 44 || r.h < 44)));
  assert.deepEqual(small, []);
  const counted = await p.evaluate(() => document.querySelectorAll('button, a, input, select, summary, textarea').length);
  assert.ok(counted > 40, `${counted} controls`);
  // The work list on a phone: next goes to the next item, and the map follows.
  await p.click('[data-testid=work-item] button');
  await p.evaluate(() => window.thuadat.idle());
  assert.equal(await text(p, '[data-testid=work-position]'), `Mục 1 / ${(await json(base, `/work?${gq}&limit=1`)).matched.toLocaleString('vi-VN')}`);
  if (shots) {
    await p.click('#menu-toggle'); // closed again: the header as a phone first shows it
    await p.evaluate(() => window.scrollTo(0, 0));
    await p.screenshot({ path: join(shots, 'webmap-phone.png') });
  }
  await phone.close();
});

// An empty group: the sample with one more residential group that holds no parcel.
await check('an empty group is said to be empty, not shown as a blank map', async () => {
  const dir = tempDir('thuadat-empty-group-');
  cpSync(dataset, dir, { recursive: true });
  const gj = JSON.parse(readFileSync(join(dir, 'groups.geojson'), 'utf8'));
  gj.features.push({ type: 'Feature', properties: { group: 'Tổ dân phố 9' }, geometry: { type: 'Polygon', coordinates: [[[541000, 2321000], [541100, 2321000], [541100, 2321100], [541000, 2321100], [541000, 2321000]]] } });
  writeFileSync(join(dir, 'groups.geojson'), JSON.stringify(gj));
  const second = await serve(bin, [dir]);
  const empty = (await json(second.base, '/groups')).groups.find((g) => g.name === 'Tổ dân phố 9');
  assert.equal(empty.parcels, 0);
  const p = await desktop.newPage();
  await p.goto(`${second.base}/`);
  await p.waitForFunction(() => document.body.dataset.ready === 'true');
  await p.selectOption('#group', 'Tổ dân phố 9');
  await p.waitForFunction(() => document.querySelector('#message').textContent.includes('không có thửa nào'));
  assert.equal(await text(p, '#message'), 'Tổ “Tổ dân phố 9” không có thửa nào: không có gì để vẽ.');
  assert.equal(await text(p, '#work-list'), 'Không có việc nào ở đây.');
  await p.close();
  await stop(second.child);
});

await check('the server going away is said in words', async () => {
  await stop(server);
  // Tiles never fetched before (an empty place away from the commune) fail to load: said over the map.
  await page.evaluate(() => window.thuadat.map.jumpTo({ center: [106.2, 21.6], zoom: 14 }));
  await page.waitForFunction(() => document.querySelector('#message').textContent.startsWith('Không tải được ô bản đồ'), null, { timeout: 20000 });
  assert.match(await text(page, '#message'), /^Không tải được ô bản đồ: máy chủ tại 127\.0\.0\.1:\d+ không trả lời\./);
  await page.selectOption('#group', groups.find((g) => g.name !== G.name).name);
  await page.waitForFunction(() => document.querySelector('#message').textContent.includes('không trả lời'));
  assert.match(await text(page, '#message'), /^Không tải được danh sách việc: Máy chủ tại 127\.0\.0\.1:\d+ không trả lời/);
  assert.equal(await page.getAttribute('#message', 'class'), 'error');
  await page.fill('#where-coords', `${targetAt.lat}, ${targetAt.lon}`);
  await page.click('#where button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#message').textContent.startsWith('Tra cứu thất bại'));
  assert.match(await text(page, '#message'), /^Tra cứu thất bại: Máy chủ tại 127\.0\.0\.1:\d+ không trả lời/);
});

await desktop.close();
done();

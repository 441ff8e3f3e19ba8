// End-to-end tests of the web map, as a person uses it: the real `thuadat serve` on the bundled sample, the
// page in Debian's headless Chromium (driven by playwright-core), and every expectation taken from the
// server's own API (/groups, OGC API - Features, /lookup).
//
//   node web/tests/e2e.mjs <path to the thuadat binary> <dataset dir> [<screenshot dir>]
//
// Run by tests/webmap.rs (and so by scripts/test.sh). Exits non-zero on the first failure; a missing
// Chromium or a server that does not start is a failure, never a skip.
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
  const options = await page.$$eval('#group option', (os) => os.map((o) => o.value));
  assert.deepEqual(options, ['', ...groups.map((g) => g.name)]);
  assert.equal(await page.locator('#message').innerText(), '');
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
  // Parcels: the drawn ones are the group's, every one of them, each in its status's layer colour.
  // Every parcel with a geometry is drawn; those without one (invalid or missing: the feature API says
  // `geometry: null`) are listed in words, by their conflict, as not on the map.
  assert.equal(gParcels.length, G.parcels);
  const parcelIds = sorted(gParcels.filter((f) => f.geometry).map((f) => f.id));
  assert.deepEqual(await rendered(page, ['parcels-fill', 'parcels-point']), parcelIds);
  for (const f of gParcels.filter((f) => !f.geometry)) {
    const notOnMap = await page.$$eval('#conflict-list li', (ls, id) => ls.filter((l) => l.textContent.includes(id) && l.textContent.includes('(not on the map)')).length, f.id);
    assert.ok(notOnMap >= 1, `${f.id} has no geometry and no entry saying so`);
  }
  const statusOf = await page.evaluate(() => Object.fromEntries(window.thuadat.map.queryRenderedFeatures({ layers: ['parcels-fill', 'parcels-point'] }).map((f) => [f.properties.id, f.properties.status])));
  for (const f of gParcels.filter((f) => f.geometry)) assert.equal(statusOf[f.id], f.properties.status, `status of ${f.id}`);
  const source = await page.evaluate(() => [...new Set(window.thuadat.map.querySourceFeatures('thuadat', { sourceLayer: 'parcels' }).map((f) => f.properties.id))].sort());
  assert.deepEqual(source, parcelIds);
  // Conflicts: those of the group that have a place on the map.
  const onMap = sorted(gConflicts.filter((f) => f.geometry).map((f) => f.id));
  assert.ok(onMap.length > 0);
  assert.deepEqual(await rendered(page, ['conflicts-fill', 'conflicts-line', 'conflicts-point']), onMap);
  // The scorecard and the legend say what /groups says.
  const card = await page.$$eval('#scorecard-table tr', (rs) => rs.map((r) => r.querySelector('td').textContent));
  assert.deepEqual(card, [G.parcels, G.status['1'], G.status['2'], G.status['3'], G.conflicts].map(String));
  const legend = await page.$$eval('#legend label[data-kind]', (ls) => Object.fromEntries(ls.map((l) => [l.dataset.kind, Number(l.querySelector('.count').textContent)])));
  assert.deepEqual(legend, G.conflicts_by_kind);
  assert.equal(await page.locator('#conflict-list li').count(), G.conflicts);
  assert.match(page.url(), new RegExp(`#group=${encodeURIComponent(G.name).replace(/%20/g, '\\+')}&`));
});

await check('a conflict kind switched off leaves the map, and comes back', async () => {
  const kind = Object.entries(G.conflicts_by_kind).filter(([k, n]) => n > 0 && gConflicts.some((f) => f.geometry && f.properties.kind === k))[0][0];
  const of = (k) => sorted(gConflicts.filter((f) => f.geometry && f.properties.kind === k).map((f) => f.id));
  await page.uncheck(`input[data-kind="${kind}"]`);
  await idle(page);
  const kinds = await rendered(page, ['conflicts-fill', 'conflicts-line', 'conflicts-point'], 'kind');
  assert.ok(!kinds.includes(kind), `${kind} still drawn`);
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
  assert.deepEqual(await rendered(page, ['groups-outline'], 'name'), [G.name]);
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
  assert.equal(await text(page, '#parcel-title'), `Parcel ${p.sheet}/${p.parcel_no}`);
  const field = (k) => text(page, `#parcel-table [data-field="${k}"]`);
  assert.equal(await field('sheet'), String(p.sheet));
  assert.equal(await field('parcel_no'), String(p.parcel_no));
  assert.equal(await field('land_use'), p.land_use ?? '—');
  assert.equal(await field('group'), G.name);
  assert.equal(await field('status'), `${p.status}${p.reasons ? ` (${p.reasons.replaceAll(';', ', ')})` : ''}`);
  const lookup = await json(base, `/lookup?lon=${targetAt.lon}&lat=${targetAt.lat}&accuracy=0`);
  const certs = await page.$$eval('#parcel-certificates li', (ls) => ls.map((l) => [l.dataset.cert, l.textContent]));
  assert.deepEqual(certs.map((c) => c[0]), p.cert_ids.split(';'));
  for (const [i, c] of lookup.parcel.certificates.entries()) {
    assert.equal(certs[i][0], c.id);
    assert.ok(certs[i][1].endsWith(c.status === 'ok' ? 'ok' : `in conflict (${c.conflict_ids.length})`), certs[i][1]);
  }
  const conflicts = await page.$$eval('#parcel-conflicts li', (ls) => ls.map((l) => l.dataset.conflict));
  assert.deepEqual(conflicts, p.conflict_ids.split(';'));
  assert.deepEqual(lookup.parcel.conflicts.map((c) => c.id), conflicts);
  assert.ok(page.url().includes(`parcel=${target.id}`), page.url());
  const hl = await rendered(page, ['parcel-selected']);
  assert.deepEqual(hl, [target.id]);
});

await check('a conflict of the list zooms the map to it', async () => {
  const f = gConflicts.filter((c) => c.geometry).at(-1);
  await page.click(`#conflict-list [data-conflict="${f.id}"]`);
  await idle(page);
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
  assert.match(await text(page, '#message'), /More than one parcel is within reach/);
});

await check('“Where am I?” asks the device for its position and looks it up with the fix’s accuracy', async () => {
  // A fix 12 m accurate inside the target parcel: /lookup with accuracy=12 says which parcels are in reach.
  const geo = await launch({ viewport: { width: 1280, height: 800 }, permissions: ['geolocation'], geolocation: { latitude: targetAt.lat, longitude: targetAt.lon, accuracy: 12 } });
  const p = await geo.newPage();
  await open(p);
  await p.click('#locate');
  await p.waitForSelector('#lookup-candidates li');
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

await check('bad states in words: unknown parcel number, a lookup outside every parcel, bad coordinates', async () => {
  await page.fill('#find-sheet', '3');
  await page.fill('#find-parcel', '99999');
  await page.click('#find button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#message').textContent.includes('99999'));
  assert.equal(await text(page, '#message'), 'There is no parcel number 99999 on sheet 3.');
  assert.equal(await page.getAttribute('#message', 'class'), 'error');

  await page.fill('#where-coords', '21.5, 105.9');
  await page.click('#where button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#message').textContent.includes('outside every parcel'));
  assert.equal(await text(page, '#message'), 'No parcel at 21.500000, 105.900000 (±5 m): the point is outside every parcel of the map (no parcel within 5 m).');
  assert.equal(await page.locator('#lookup-candidates li').count(), 0);

  await page.fill('#where-coords', 'north of the market');
  await page.click('#where button[type="submit"]');
  assert.match(await text(page, '#message'), /^Type coordinates as “latitude, longitude”/);
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
  assert.equal(await text(bad, '#message'), 'There is no residential group named “No such group”; showing all groups.');
  await bad.close();
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
  // The whole group is in view and drawn on the phone too.
  assert.equal((await rendered(p, ['parcels-fill', 'parcels-point'])).length, gParcels.filter((f) => f.geometry).length);
  assert.equal(await text(p, '#parcel-table [data-field="id"]'), target.id);
  if (shots) {
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
  await p.waitForFunction(() => document.querySelector('#message').textContent.includes('no parcels'));
  assert.equal(await text(p, '#message'), 'The group “Tổ dân phố 9” has no parcels: there is nothing to draw for it.');
  assert.equal(await text(p, '#conflicts p'), 'No conflicts here.');
  await p.close();
  await stop(second.child);
});

await check('the server going away is said in words', async () => {
  await stop(server);
  // Tiles never fetched before (an empty place away from the commune) fail to load: said over the map.
  await page.evaluate(() => window.thuadat.map.jumpTo({ center: [106.2, 21.6], zoom: 14 }));
  await page.waitForFunction(() => document.querySelector('#message').textContent.startsWith('Map tiles could not be loaded'), null, { timeout: 20000 });
  assert.match(await text(page, '#message'), /^Map tiles could not be loaded: the server at 127\.0\.0\.1:\d+ does not answer\./);
  await page.selectOption('#group', groups.find((g) => g.name !== G.name).name);
  await page.waitForFunction(() => document.querySelector('#message').textContent.includes('does not answer'));
  assert.match(await text(page, '#message'), /does not answer/);
  assert.equal(await page.getAttribute('#message', 'class'), 'error');
  await page.fill('#where-coords', `${targetAt.lat}, ${targetAt.lon}`);
  await page.click('#where button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#message').textContent.startsWith('The look-up failed'));
  assert.match(await text(page, '#message'), /^The look-up failed: The server at 127\.0\.0\.1:\d+ does not answer/);
});

await desktop.close();
done();

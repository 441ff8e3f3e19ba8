// The drawing layer of the web map, in Debian's headless Chromium (driven by playwright-core): for a commune
// kept as map sheets drawn as lines, the page draws what `/map-sheets.geojson` gives (the lines that bound no
// face, the labels in no face) as map layers, and the loose label's text is rendered on the map.
//
//   node web/tests/drawing.mjs <path to the thuadat binary> <dataset dir of DGN sheets>
//
// Run by tests/sheets.rs. Exits non-zero on the first failure; a missing Chromium is a failure, never a skip.
import assert from 'node:assert/strict';
import { check, done, launch, serve } from './harness.mjs';

const [bin, dataset] = process.argv.slice(2);
if (!bin || !dataset) {
  console.error('usage: node web/tests/drawing.mjs <thuadat binary> <dataset dir>');
  process.exit(2);
}

const { base } = await serve(bin, [dataset]);
const served = await (await fetch(`${base}/map-sheets.geojson`)).json();
const context = await launch();
const page = context.pages()[0] || (await context.newPage());
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));

await check('the page draws the drawing layer from /map-sheets.geojson', async () => {
  await page.goto(base + '/');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await page.waitForSelector(`body[data-drawing="${served.features.length}"]`, { timeout: 15000 });
  const layers = await page.evaluate(() => ['drawing-line', 'drawing-label', 'drawing-text'].map((id) => !!window.thuadat.map.getLayer(id)));
  assert.deepEqual(layers, [true, true, true]);
  const kinds = await page.evaluate(() => window.thuadat.map.getSource('drawing').serialize().data.features.map((f) => f.properties.kind));
  assert.deepEqual(kinds, served.features.map((f) => f.properties.kind));
});

await check('the loose line and label are rendered where they are', async () => {
  const line = served.features.find((f) => f.properties.kind === 'dangle');
  const label = served.features.find((f) => f.properties.kind === 'loose_label');
  const drawnNear = async ([lon, lat], layers, want) => {
    await page.evaluate(([x, y]) => window.thuadat.map.jumpTo({ center: [x, y], zoom: 19 }), [lon, lat]);
    // Rendered once the map has drawn the new view: asked until it has, within 15 s.
    await page.waitForFunction(
      ([ids, w]) => window.thuadat.map.queryRenderedFeatures({ layers: ids }).some((f) => f.properties.kind === w.kind && f.properties.element === w.element),
      [layers, want],
      { timeout: 15000 },
    );
  };
  await drawnNear(label.geometry.coordinates, ['drawing-label', 'drawing-text'], label.properties);
  await drawnNear(line.geometry.coordinates[0], ['drawing-line'], line.properties);
  assert.deepEqual(errors, []);
});

done();

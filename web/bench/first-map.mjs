// The first map of the web app with a slowed CPU: from navigation until the page says it is ready
// (`<body data-ready>`: map loaded, the group's work list drawn) and until the map is idle (every tile of the
// view drawn), in Debian's Chromium with the CPU slowed 4× through the DevTools protocol.
//
//   node web/bench/first-map.mjs <base URL> <hash> <runs> <width> <height>
//
// Prints one JSON line per run and a median line. Run by scripts/bench-webmap.sh.
import { launch } from '../tests/harness.mjs';

const [base, hash = '', runs = '5', width = '1280', height = '800'] = process.argv.slice(2);
const results = [];
for (let i = 0; i < Number(runs); i++) {
  const phone = Number(width) < 700;
  const ctx = await launch({ viewport: { width: Number(width), height: Number(height) }, isMobile: phone, hasTouch: phone });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const t0 = Date.now();
  await page.goto(`${base}/${hash}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 120000, polling: 50 });
  const ready = Date.now() - t0;
  await page.evaluate(() => window.thuadat.idle());
  const idle = Date.now() - t0;
  // The page's own marks (ms from navigation): API answers, map loaded, work list drawn.
  const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').filter((m) => m.name.startsWith('thuadat:')).map((m) => [m.name.slice(8), Math.round(m.startTime)])));
  results.push({ ready, idle });
  console.log(JSON.stringify({ run: i + 1, ready_ms: ready, idle_ms: idle, marks }));
  await ctx.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(JSON.stringify({ median_ready_ms: median(results.map((r) => r.ready)), median_idle_ms: median(results.map((r) => r.idle)), runs: results.length }));
process.exit(0);

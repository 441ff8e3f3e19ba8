// The web map of `thuadat serve`, the team's workplace: residential groups and their work lists, parcels by
// status (nhóm 1/2/3), conflicts by kind, decisions and holders in the parcel panel, find by sheet and number,
// "where am I" by GPS or typed coordinates. Vietnamese first, English as a switch. Everything comes from the
// same server (docs/API.md); MapLibre GL JS is served by it too (no CDN), so the page works without internet.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';
import { $, el, fill, api, say, busy, notBusy } from './dom.js';
import { initLang, setLang, getLang, t, num, collator, dictionaries, lookupReason } from './i18n.js';
import { style, applyFilters, hatchImage, addDrawing, STATUS, KIND_COLORS, PARCELS_MINZOOM, PARCEL_LAYERS, CONFLICT_LAYERS } from './style.js';
import { createWorkList, KINDS } from './worklist.js';
import { createPanel } from './parcel.js';
import { parse as parseCoords, dms } from './coords.js';

window.thuadatStarted = true;
initLang();

const NOT_LOCATED = '__not_located__';
const state = {
  group: '', // '' = all groups
  notLocated: false, // the list of what belongs to no group
  groups: [], // /groups entries, in natural order
  groupsDoc: null,
  kindsOn: [...KINDS],
  selected: null, // the selected parcel's id
  bounds: null, // the dataset's [w, s, e, n]
  me: null, // the login (serve --db), or null
  health: null,
};
let map = null;

// ---------------------------------------------------------------------------------------------------------
// Texts of the static page in the chosen language.

function translatePage() {
  document.title = t('app.title');
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = t(e.dataset.i18nPlaceholder);
  for (const e of document.querySelectorAll('[data-i18n-label]')) e.setAttribute('aria-label', t(e.dataset.i18nLabel));
  for (const e of document.querySelectorAll('[data-i18n-title]')) e.title = t(e.dataset.i18nTitle);
}

// ---------------------------------------------------------------------------------------------------------
// URL hash: #group=…&z=…&c=lon,lat&parcel=…

function readHash() {
  const p = new URLSearchParams(location.hash.replace(/^#/, ''));
  const out = { group: p.get('group') || '', parcel: p.get('parcel') || null, notLocated: p.get('list') === 'not-located' };
  const z = Number(p.get('z'));
  const c = (p.get('c') || '').split(',').map(Number);
  if (p.has('z') && Number.isFinite(z) && c.length === 2 && c.every(Number.isFinite)) {
    out.zoom = z;
    out.center = c;
  }
  return out;
}

function writeHash() {
  if (!map) return;
  const p = new URLSearchParams();
  if (state.group) p.set('group', state.group);
  if (state.notLocated) p.set('list', 'not-located');
  const c = map.getCenter();
  p.set('z', map.getZoom().toFixed(2));
  p.set('c', `${c.lng.toFixed(6)},${c.lat.toFixed(6)}`);
  if (state.selected) p.set('parcel', state.selected);
  history.replaceState(null, '', `#${p.toString()}`);
}

// ---------------------------------------------------------------------------------------------------------
// The map

function bboxOf(geometry) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  if (geometry && geometry.coordinates) walk(geometry.coordinates);
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

/** Fits the map to a box, never below `minZoom` (a spread-out group is shown where its parcels draw). */
function fit(bbox, maxZoom = 19, minZoom = 0) {
  if (!bbox) return;
  const padding = window.innerWidth < 700 ? 16 : 40;
  const cam = map.cameraForBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding, maxZoom });
  if (!cam) return;
  if (cam.zoom < minZoom) cam.zoom = minZoom;
  map.jumpTo(cam);
}

function zoomHint() {
  const hint = $('zoom-hint');
  if (hint && map) hint.hidden = map.getZoom() >= PARCELS_MINZOOM;
}

/** Resolves when no action is under way and the map has drawn everything it is asked to (for the tests). */
async function idle() {
  await notBusy();
  await new Promise((resolve) => {
    if (map.loaded() && map.areTilesLoaded() && !map.isMoving()) resolve();
    else map.once('idle', () => resolve());
  });
}

function refilter() {
  applyFilters(map, state.group, state.kindsOn);
}

// ---------------------------------------------------------------------------------------------------------
// Groups: picker (natural order, search), scorecard and legend

function groupEntry(name) {
  return state.groups.find((g) => g.name === name) || null;
}

function fillPicker(filter = '') {
  const select = $('group');
  const f = filter.trim().toLocaleLowerCase();
  const current = state.notLocated ? NOT_LOCATED : state.group;
  const options = [el('option', { value: '' }, t('group.all'))];
  for (const g of state.groups) {
    if (f && !g.name.toLocaleLowerCase().includes(f) && g.name !== current) continue;
    options.push(el('option', { value: g.name }, `${g.name} (${num(g.parcels, 0)} · ${num(g.conflicts, 0)})`));
  }
  const nl = state.groupsDoc && state.groupsDoc.not_located;
  if (nl && nl.conflicts + nl.parcels > 0) options.push(el('option', { value: NOT_LOCATED }, `${t('work.notLocated')} (${num(nl.conflicts, 0)})`));
  fill(select, ...options);
  select.value = current;
}

function renderScorecard() {
  const box = $('scorecard');
  const g = groupEntry(state.group);
  const doc = state.groupsDoc;
  const totals = g
    ? { parcels: g.parcels, status: g.status, conflicts: g.conflicts }
    : {
      parcels: doc.totals ? doc.totals.parcels : state.groups.reduce((a, x) => a + x.parcels, 0),
      status: [1, 2, 3].reduce((o, s) => ({ ...o, [s]: state.groups.reduce((a, x) => a + x.status[s], 0) + (doc.not_located ? doc.not_located.status[s] : 0) }), {}),
      conflicts: doc.totals ? doc.totals.conflicts : state.groups.reduce((a, x) => a + x.conflicts, 0),
    };
  const rows = [
    [t('scorecard.parcels'), totals.parcels],
    ...[1, 2, 3].map((s) => [el('span', {}, el('span', { class: `swatch status-swatch-${s}`, style: `background:${STATUS[s].fill};border-color:${STATUS[s].line}` }), t(`status.${s}`)), totals.status[String(s)]]),
    [t('scorecard.conflicts'), totals.conflicts],
  ];
  const q = state.group ? `?group=${encodeURIComponent(state.group)}` : '';
  fill(box, 
    el('h2', { id: 'scorecard-title' }, g ? g.name : t('scorecard.commune')),
    el('table', { id: 'scorecard-table' }, rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', { class: 'count', 'data-count': v }, num(v, 0))))),
    el('p', {}, el('a', { href: `/conflicts.csv${q}`, download: '', 'data-testid': 'csv-link' }, t('csv'))),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Work list and parcel panel

const panel = createPanel({
  state,
  clear: () => clearSelection(),
  zoomTo: (f) => zoomToConflict(f.properties.id, bboxOf(f.geometry)),
  look: (id) => selectParcel(id, { zoom: true }),
  onEdited: async () => {
    // The commune was checked again: fresh tiles, groups and list.
    map.getSource('thuadat').setTiles([tileUrl()]);
    try {
      state.groupsDoc = await api('/groups');
      state.groups = [...state.groupsDoc.groups].sort((a, b) => collator().compare(a.name, b.name));
      renderScorecard();
    } catch {
      // the scorecard stays as it was
    }
    await work.refresh();
  },
  onReviewed: async (id, status) => {
    // The tiles that draw the conflict are fresh on the server; reload them, and the list's progress.
    map.getSource('thuadat').setTiles([tileUrl()]);
    await work.refresh();
  },
});

const work = createWorkList({
  state,
  onKinds: () => refilter(),
  onOpen: busy(async (item) => {
    map.setFilter('conflict-selected', ['==', ['get', 'id'], item.type === 'conflict' ? item.id : '']);
    if (item.parcel && item.located_by === 'candidate') {
      // A certificate that points at no mapped parcel: its own panel (decision, likely parcels), the likely
      // parcel outlined on the map.
      state.selected = null;
      map.setFilter('parcel-selected', ['==', ['get', 'id'], item.parcel.id]);
      await panel.showConflict(item);
    } else if (item.parcel) {
      await selectParcel(item.parcel.id, { follow: false });
    } else {
      state.selected = null;
      map.setFilter('parcel-selected', ['==', ['get', 'id'], '']);
      await panel.showConflict(item);
    }
    if (item.bbox) fit(item.bbox, 19, PARCELS_MINZOOM);
    writeHash();
  }),
});

/** A conflict symbol clicked where no parcel is (a certificate placed near its likely parcel): its panel. */
const openConflict = busy(async (id) => {
  try {
    const f = await api(`/collections/conflicts/items/${encodeURIComponent(id)}`);
    const p = f.properties;
    state.selected = null;
    map.setFilter('parcel-selected', ['==', ['get', 'id'], '']);
    await panel.showConflict({ id: p.id, kind: p.kind, cert_ids: (p.cert_ids || '').split(';').filter(Boolean) });
  } catch (e) {
    say(e.message, 'error');
  }
});

function zoomToConflict(id, bbox) {
  map.setFilter('conflict-selected', ['==', ['get', 'id'], id]);
  if (bbox) fit(bbox, 19);
}

/** A cache-busting tile URL: after a decision the server's tiles change, the browser's copies must not stay. */
let tileVersion = 0;
function tileUrl() {
  tileVersion += 1;
  return `${location.origin}/tiles/{z}/{x}/{y}.mvt${tileVersion > 1 ? `?v=${tileVersion}` : ''}`;
}

/** Takes `name` as the chosen group (NOT_LOCATED: the list of what belongs to no group; an unknown name is said
 *  and becomes every group); returns its /groups entry. */
function chooseGroup(name) {
  let notLocated = false;
  if (name === NOT_LOCATED) {
    notLocated = true;
    name = '';
  } else if (name && !groupEntry(name)) {
    say(t('group.none', { name }), 'error');
    name = '';
  }
  state.group = name;
  state.notLocated = notLocated;
  $('group').value = notLocated ? NOT_LOCATED : name;
  work.reset();
  return groupEntry(name);
}

function saidEmpty(g) {
  if (g && g.parcels === 0) say(t('group.empty', { name: g.name }), 'warn');
}

const setGroup = busy(async function setGroup(name, { fit: doFit = true } = {}) {
  const g = chooseGroup(name);
  refilter();
  renderScorecard();
  // The map moves first, so its tiles load while the list does.
  if (doFit && !(g && g.parcels === 0)) {
    if (g && g.bbox) fit(g.bbox, 18, PARCELS_MINZOOM);
    else if (!g && state.bounds) fit(state.bounds, 18);
  }
  await work.load(0);
  saidEmpty(g);
  writeHash();
});

/** The camera that fits a box into the map's box (Web Mercator, 512 px tiles), between `minZoom` and
 *  `maxZoom`: the first view is computed before the map exists, so its first tiles are the right ones. */
function cameraFor(bbox, minZoom, maxZoom) {
  const el0 = $('map');
  const pad = window.innerWidth < 700 ? 16 : 40;
  const w = Math.max(1, el0.clientWidth - 2 * pad);
  const h = Math.max(1, el0.clientHeight - 2 * pad);
  const x = (lon) => (lon + 180) / 360;
  const y = (lat) => { const r = (lat * Math.PI) / 180; return (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2; };
  const dx = Math.max(1e-12, x(bbox[2]) - x(bbox[0]));
  const dy = Math.max(1e-12, y(bbox[1]) - y(bbox[3]));
  const zoom = Math.min(maxZoom, Math.max(minZoom, Math.log2(Math.min(w / (dx * 512), h / (dy * 512)))));
  const cy = (y(bbox[1]) + y(bbox[3])) / 2;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - 2 * cy))) * 180) / Math.PI;
  return { center: [(bbox[0] + bbox[2]) / 2, lat], zoom };
}

const selectParcel = busy(async function selectParcel(id, { zoom = false, follow = true } = {}) {
  const f = await panel.showParcel(id);
  if (!f) return;
  state.selected = f.properties.id;
  map.setFilter('parcel-selected', ['==', ['get', 'id'], state.selected]);
  if (follow) work.follow(state.selected);
  if (zoom) fit(bboxOf(f.geometry), 19);
  if (window.innerWidth < 700) $('parcel').scrollIntoView({ block: 'nearest' });
  writeHash();
});

function clearSelection() {
  state.selected = null;
  map.setFilter('parcel-selected', ['==', ['get', 'id'], '']);
  map.setFilter('conflict-selected', ['==', ['get', 'id'], '']);
  $('parcel').hidden = true;
  writeHash();
}

// ---------------------------------------------------------------------------------------------------------
// Find a parcel by sheet and number

const findParcel = busy(async function findParcel(sheet, number) {
  if (!/^\d+$/.test(sheet) || !/^\d+$/.test(number)) {
    say(t('find.bad'), 'error');
    return;
  }
  let doc;
  try {
    doc = await api(`/collections/parcels/items?sheet=${sheet}&parcel_no=${number}&limit=100`);
  } catch (e) {
    say(t('find.failed', { reason: e.message }), 'error');
    return;
  }
  const found = doc.features;
  if (!found.length) {
    say(t('find.none', { number, sheet }), 'error');
    return;
  }
  const first = found[0].properties;
  if (state.group && first.group !== state.group) await setGroup(first.group || '', { fit: false });
  say(found.length > 1 ? t('find.many', { n: found.length, number, sheet }) : '', 'warn');
  if (found.length > 1) renderCandidates(t('find.many.title', { sheet, number }), found.map((f) => f.properties), null);
  await selectParcel(first.id, { zoom: true });
});

/** A national parcel code typed or read off a certificate: the parcels carrying it; when none does, the parcel
 *  at the point the code names. */
const findByCode = busy(async function findByCode(c) {
  let doc;
  try {
    doc = await api(`/collections/parcels/items?parcel_code=${encodeURIComponent(c.code)}&limit=100`);
  } catch (e) {
    say(t('find.failed', { reason: e.message }), 'error');
    return;
  }
  const found = doc.features;
  if (!found.length) {
    await lookUp(c.lon, c.lat, 1);
    say(t('code.none', { code: c.code }), 'warn');
    return;
  }
  const first = found[0].properties;
  if (state.group && first.group !== state.group) await setGroup(first.group || '', { fit: false });
  say(found.length > 1 ? t('code.many', { n: found.length, code: c.code }) : '', 'warn');
  if (found.length > 1) renderCandidates(t('code.many.title', { code: c.code }), found.map((f) => f.properties), null);
  await selectParcel(first.id, { zoom: true });
});

// ---------------------------------------------------------------------------------------------------------
// Where am I: /lookup with an accuracy circle and the candidate parcels; live position with an averaged fix

function circle(lon, lat, radiusM, steps = 64) {
  const ring = [];
  const dLat = radiusM / 111320;
  const dLon = radiusM / (111320 * Math.cos((lat * Math.PI) / 180));
  for (let i = 0; i <= steps; i++) {
    const a = (i / steps) * 2 * Math.PI;
    ring.push([lon + dLon * Math.cos(a), lat + dLat * Math.sin(a)]);
  }
  return { type: 'Polygon', coordinates: [ring] };
}

function renderCandidates(title, parcels, reason, extra = null) {
  const box = $('lookup');
  box.hidden = false;
  fill(box, 
    el('button', { type: 'button', class: 'close', onclick: () => { box.hidden = true; map.getSource('lookup').setData({ type: 'FeatureCollection', features: [] }); }, 'aria-label': t('close') }, '×'),
    el('h2', { id: 'lookup-title' }, title),
    extra ? el('p', { class: 'muted small', id: 'lookup-extra' }, extra) : null,
    reason ? el('p', { id: 'lookup-reason' }, reason) : null,
    el('ul', { id: 'lookup-candidates' }, parcels.map((p) => el('li', { 'data-parcel': p.id },
      el('span', { class: 'swatch', style: `background:${(STATUS[p.status] || {}).fill}` }),
      el('button', { type: 'button', class: 'link', onclick: () => selectParcel(p.id, { zoom: true }) }, `${p.sheet}/${p.parcel_no}`),
      ` ${p.id}`,
      p.distance_m !== undefined ? el('span', { class: 'muted' }, p.distance_m === 0 ? t('lookup.under') : t('lookup.away', { d: num(p.distance_m, 2) })) : null,
    ))),
  );
}

function showPoint(lon, lat, accuracy) {
  map.getSource('lookup').setData({
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: {}, geometry: circle(lon, lat, accuracy) },
      { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [lon, lat] } },
    ],
  });
}

/** Looks up a point given as longitude/latitude or, with `projected`, easting/northing of the dataset's CRS. */
const lookUp = busy(async function lookUp(lon, lat, accuracy, { projected = null, extra = null } = {}) {
  let doc;
  try {
    const q = projected ? `easting=${projected.easting}&northing=${projected.northing}` : `lon=${lon}&lat=${lat}`;
    doc = await api(`/lookup?${q}&accuracy=${accuracy}`);
  } catch (e) {
    say(t('lookup.failed', { reason: e.message }), 'error');
    return;
  }
  [lon, lat] = [doc.lon, doc.lat];
  showPoint(lon, lat, accuracy);
  const where = `${lat.toFixed(6)}, ${lon.toFixed(6)} (±${num(accuracy, 0)} m)`;
  const info = [extra, `${dms(lat, getLang() === 'vi')}${getLang() === 'vi' ? 'B' : 'N'} ${dms(lon, getLang() === 'vi')}${getLang() === 'vi' ? 'Đ' : 'E'}`].filter(Boolean).join(' · ');
  const candidates = [doc.parcel, ...doc.nearby].filter(Boolean);
  const reason = lookupReason(doc);
  if (!candidates.length) {
    say(t('lookup.none', { where, reason }), 'warn');
    renderCandidates(t('lookup.nothing', { where }), [], reason, info);
  } else {
    say(doc.ambiguous ? t('lookup.ambiguous', { where, reason }) : '', 'warn');
    renderCandidates(t('lookup.at', { where }), candidates, reason, info);
    if (doc.parcel && state.group && doc.parcel.group !== state.group && groupEntry(doc.parcel.group)) {
      await setGroup(doc.parcel.group || '', { fit: false });
    }
    if (doc.parcel) await selectParcel(doc.parcel.id);
  }
  map.jumpTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), accuracy > 200 ? 15 : 18) });
  writeHash();
});

/** Live position: fixes of the last minute averaged, weighted by their accuracy (1/σ²). */
const follow = { id: null, fixes: [], last: null };

function averagedFix() {
  const now = Date.now();
  follow.fixes = follow.fixes.filter((f) => now - f.at < 60000).slice(-10);
  let sw = 0, lon = 0, lat = 0;
  for (const f of follow.fixes) {
    const w = 1 / Math.max(1, f.acc) ** 2;
    sw += w; lon += w * f.lon; lat += w * f.lat;
  }
  return { lon: lon / sw, lat: lat / sw, acc: Math.max(1, Math.round(1 / Math.sqrt(sw))), n: follow.fixes.length };
}

function stopFollowing() {
  if (follow.id !== null) navigator.geolocation.clearWatch(follow.id);
  follow.id = null;
  follow.fixes = [];
  follow.last = null;
  $('locate').textContent = t('locate');
  $('locate').setAttribute('aria-pressed', 'false');
}

function locate() {
  if (follow.id !== null) {
    stopFollowing();
    return;
  }
  if (!('geolocation' in navigator) || !window.isSecureContext) {
    say(t('locate.noGeo'), 'error');
    return;
  }
  say(t('locate.asking'));
  $('locate').textContent = t('locate.stop');
  $('locate').setAttribute('aria-pressed', 'true');
  follow.id = navigator.geolocation.watchPosition(
    (pos) => {
      follow.fixes.push({ lon: pos.coords.longitude, lat: pos.coords.latitude, acc: Math.min(1000, pos.coords.accuracy), at: Date.now() });
      const fix = averagedFix();
      const moved = follow.last ? Math.hypot((fix.lon - follow.last.lon) * 111320 * Math.cos((fix.lat * Math.PI) / 180), (fix.lat - follow.last.lat) * 111320) : Infinity;
      showPoint(fix.lon, fix.lat, fix.acc);
      if (moved > Math.max(3, fix.acc / 2) || (follow.last && Date.now() - follow.last.at > 15000)) {
        if (!follow.last) say('');
        follow.last = { ...fix, at: Date.now() };
        lookUp(fix.lon, fix.lat, Math.min(1000, fix.acc), { extra: t('locate.fix', { n: fix.n, acc: num(fix.acc, 0) }) });
      }
    },
    (err) => {
      const why = { 1: t('locate.denied'), 2: t('locate.unavailable'), 3: t('locate.timeout') }[err.code] || err.message;
      say(t('locate.failed', { why }), 'error');
      stopFollowing();
    },
    { enableHighAccuracy: true, timeout: 20000, maximumAge: 5000 },
  );
}

function lookUpTyped(text) {
  const c = parseCoords(text);
  if (!c) {
    say(t('where.bad'), 'error');
    return;
  }
  say('');
  const acc = c.acc ?? 5;
  if (c.type === 'code') {
    findByCode(c);
    return;
  }
  if (c.type === 'projected') {
    if (!state.health.crs || !state.health.crs.projected) {
      say(t('where.noProjected', { crs: state.health.crs ? state.health.crs.definition : '?' }), 'error');
      return;
    }
    lookUp(null, null, acc, { projected: c, extra: `X ${num(c.northing, 2)} · Y ${num(c.easting, 2)} (${state.health.crs.definition})` });
  } else {
    lookUp(c.lon, c.lat, acc);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Account, language, API panel

async function showAccount() {
  let me;
  try {
    me = await api('/me');
  } catch {
    return; // a dataset directory: no logins
  }
  const scope = me.role === 'field' ? me.groups.join(', ') : me.communes.length ? me.communes.join(', ') : '';
  const out = el('form', { method: 'post', action: '/logout', class: 'inline' }, el('button', { type: 'submit', id: 'logout', 'data-testid': 'logout' }, t('account.logout')));
  const who = el('span', { id: 'who', 'data-testid': 'who', title: `${me.login} (${me.role})` }, `${me.login} · ${t(`role.${me.role}`)}${scope ? ` · ${scope}` : ''}`);
  fill($('account'), who, out);
  $('account').hidden = false;
  state.me = me;
}

function renderApiPanel() {
  const base = location.origin;
  const code = (s) => el('code', {}, s);
  fill($('api-body'), 
    el('p', {}, t('api.intro')),
    el('ul', {},
      el('li', {}, el('a', { href: '/collections', target: '_blank' }, t('api.features')), ' ', code(`${base}/`)),
      el('li', {}, el('a', { href: '/tiles.json', target: '_blank' }, t('api.tilejson')), ' ', code(`${base}/tiles/{z}/{x}/{y}.mvt`)),
      el('li', {}, el('a', { href: '/api', target: '_blank' }, t('api.openapi'))),
      el('li', {}, el('a', { href: '/conflicts.csv', download: '' }, t('api.csv')))),
    el('ol', {},
      el('li', {}, t('api.qgis1', { url: `${base}/` })),
      el('li', {}, t('api.qgis2', { url: `${base}/tiles/{z}/{x}/{y}.mvt` })),
      state.me ? el('li', {}, t('api.qgis3')) : null),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Start

async function start() {
  translatePage();
  try {
    // The link that led to the login page (kept by it): open where it pointed.
    const kept = sessionStorage.getItem('thuadat.after-login');
    sessionStorage.removeItem('thuadat.after-login');
    if (kept && !location.hash) history.replaceState(null, '', kept);
  } catch {
    // no storage: the map opens on its defaults
  }
  const hash = readHash();
  try {
    const [health, groupsDoc, tj] = await Promise.all([api('/health'), api('/groups'), api('/tiles.json'), showAccount()]);
    state.health = health;
    state.groupsDoc = groupsDoc;
    state.groups = [...groupsDoc.groups].sort((a, b) => collator().compare(a.name, b.name));
    state.bounds = tj.bounds;
  } catch (e) {
    say(t('map.cannotStart', { reason: e.message }), 'error');
    return;
  }
  performance.mark('thuadat:api');
  $('dataset').textContent = `· ${state.health.dataset}`;
  fillPicker();
  renderApiPanel();
  // The group's list is asked for now, while the map loads.
  const g = chooseGroup(hash.notLocated ? NOT_LOCATED : hash.group);
  const listed = work.load(0);
  const first = hash.center
    ? { center: hash.center, zoom: hash.zoom }
    : g && g.bbox && g.parcels > 0
      ? cameraFor(g.bbox, PARCELS_MINZOOM, 18)
      : cameraFor(state.bounds, 0, 18);
  try {
    map = new maplibregl.Map({
      container: 'map',
      style: style(tileUrl()),
      center: first.center,
      zoom: first.zoom,
      attributionControl: { compact: true },
      maxZoom: 22,
    });
  } catch (e) {
    say(t('map.noWebgl', { reason: e.message }), 'error');
    return;
  }
  map.on('styleimagemissing', (e) => {
    if (e.id === 'hatch' && !map.hasImage('hatch')) map.addImage('hatch', hatchImage());
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  $('map').append(el('div', { id: 'zoom-hint', class: 'map-hint', hidden: true }, t('zoom.hint')));
  window.thuadat = { map, state, idle, setGroup, selectParcel, lookUp, findParcel, work, palette: { STATUS, KIND_COLORS }, dictionaries, parseCoords };

  let tileErrorShown = false;
  map.on('error', (e) => {
    const msg = (e && e.error && e.error.message) || 'unknown error';
    if (e && e.error && e.error.status === 401) {
      location.assign('/login');
      return;
    }
    if (tileErrorShown) return;
    tileErrorShown = true;
    setTimeout(() => { tileErrorShown = false; }, 5000);
    if (/fetch|network|Failed/i.test(msg) || (e.error && e.error.status === 0)) say(t('map.tilesDown', { host: location.host }), 'error');
    else say(t('map.problem', { reason: msg }), 'error');
  });
  await new Promise((resolve) => map.once('load', resolve));
  performance.mark('thuadat:map-load');
  // A commune kept as map sheets: what its drawing left unexplained, as a layer (nothing for a parcels file).
  api('/map-sheets.geojson')
    .then((fc) => {
      if (!fc || !fc.features || !fc.features.length) return;
      addDrawing(map, fc);
      document.body.dataset.drawing = String(fc.features.length);
    })
    .catch(() => {});
  if ($('message').textContent === t('loading')) say('');
  map.on('moveend', () => { writeHash(); zoomHint(); });
  map.on('click', (e) => {
    const box = [[e.point.x - 6, e.point.y - 6], [e.point.x + 6, e.point.y + 6]];
    const conflict = map.queryRenderedFeatures(box, { layers: ['conflicts-point', 'conflicts-line'] })[0];
    const hits = map.queryRenderedFeatures(e.point, { layers: PARCEL_LAYERS });
    if (conflict) map.setFilter('conflict-selected', ['==', ['get', 'id'], conflict.properties.id]);
    if (hits.length) selectParcel(hits[0].properties.id);
    else if (conflict) openConflict(conflict.properties.id);
  });
  for (const layer of [...PARCEL_LAYERS, ...CONFLICT_LAYERS]) {
    map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
  }

  $('group').addEventListener('change', (e) => { say(''); setGroup(e.target.value); });
  $('group-search').addEventListener('input', (e) => fillPicker(e.target.value));
  $('find').addEventListener('submit', (e) => { e.preventDefault(); say(''); findParcel($('find-sheet').value.trim(), $('find-parcel').value.trim()); });
  $('where').addEventListener('submit', (e) => { e.preventDefault(); lookUpTyped($('where-coords').value); });
  $('locate').addEventListener('click', locate);
  $('lang').addEventListener('click', () => { setLang(getLang() === 'vi' ? 'en' : 'vi'); location.reload(); });
  $('menu-toggle').addEventListener('click', () => {
    const open = document.body.classList.toggle('tools-open');
    $('menu-toggle').setAttribute('aria-expanded', String(open));
  });

  refilter();
  renderScorecard();
  await listed;
  performance.mark('thuadat:list');
  saidEmpty(g);
  writeHash();
  if (hash.parcel) await selectParcel(hash.parcel);
  zoomHint();
  document.body.dataset.ready = 'true';
}

start().catch((e) => say(t('map.stopped', { reason: e.message }), 'error'));

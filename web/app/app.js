// The web map of `thuadat serve`: residential groups, parcels by status, conflicts by kind, parcel details,
// find by sheet and number, and "where am I" through /lookup. Everything comes from the same server
// (docs/API.md); MapLibre GL JS is served by it too (no CDN), so the page works without internet.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';

window.thuadatStarted = true;

const STATUS = {
  1: { color: '#43a047', words: 'status 1: records and map agree' },
  2: { color: '#fbc02d', words: 'status 2: records to complete or correct' },
  3: { color: '#e53935', words: 'status 3: the map to correct' },
};
const KIND_COLORS = {
  overlap: '#d81b60',
  invalid_geometry: '#8e24aa',
  duplicate_parcel_number: '#3949ab',
  unmapped_split: '#00897b',
  duplicate_certificate: '#6d4c41',
  unmatched_certificate: '#757575',
  parcel_without_certificate: '#fb8c00',
  area_mismatch: '#1e88e5',
  holder_id_invalid: '#5d4037',
  holder_not_found: '#546e7a',
  holder_mismatch: '#c0ca33',
};
const PARCELS_MINZOOM = 14; // the `parcels` tile layer starts here (docs/API.md)
const LABELS_MINZOOM = 17;

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
};
const fmt = (n, digits = 1) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US', { maximumFractionDigits: digits }));

const state = {
  group: '', // '' = all groups
  groups: [], // /groups entries
  conflicts: [], // the conflict features of the current group (/collections/conflicts/items)
  kindsOff: new Set(), // conflict kinds switched off
  selected: null, // the selected parcel's id
  bounds: null, // the dataset's [w, s, e, n]
};
let map = null;

// ---------------------------------------------------------------------------------------------------------
// Messages: every bad state is said in words.

function say(text, kind = 'info') {
  const m = $('message');
  m.textContent = text || '';
  m.className = text ? kind : '';
}

class ApiError extends Error {}

/** GET a JSON document from the server; failures become sentences. */
async function api(path) {
  let r;
  try {
    r = await fetch(path, { headers: { Accept: 'application/json' } });
  } catch {
    throw new ApiError(`The server at ${location.host} does not answer: is \`thuadat serve\` still running? (${path})`);
  }
  let body = null;
  try {
    body = await r.json();
  } catch {
    // handled below
  }
  if (r.status === 401 && path !== '/me') {
    // A server with logins (`serve --db`) whose session ended: back to its login page.
    location.assign('/login');
  }
  if (!r.ok) {
    const reason = body && body.reason ? body.reason : `HTTP ${r.status}`;
    const e = new ApiError(reason);
    e.status = r.status;
    throw e;
  }
  if (body === null) throw new ApiError(`The server's answer to ${path} was not JSON`);
  return body;
}

// ---------------------------------------------------------------------------------------------------------
// URL hash: #group=…&z=…&c=lon,lat&parcel=…

function readHash() {
  const p = new URLSearchParams(location.hash.replace(/^#/, ''));
  const out = { group: p.get('group') || '', parcel: p.get('parcel') || null };
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
  const c = map.getCenter();
  p.set('z', map.getZoom().toFixed(2));
  p.set('c', `${c.lng.toFixed(6)},${c.lat.toFixed(6)}`);
  if (state.selected) p.set('parcel', state.selected);
  history.replaceState(null, '', `#${p.toString()}`);
}

// ---------------------------------------------------------------------------------------------------------
// The map

function tileUrl(group) {
  const q = group ? `?group=${encodeURIComponent(group)}` : '';
  return `${location.origin}/tiles/{z}/{x}/{y}.mvt${q}`;
}

const isPolygon = ['==', ['geometry-type'], 'Polygon'];
const isPoint = ['==', ['geometry-type'], 'Point'];
const statusColor = ['match', ['get', 'status'], 1, STATUS[1].color, 2, STATUS[2].color, 3, STATUS[3].color, '#999'];
const kindColor = ['match', ['get', 'kind'], ...Object.entries(KIND_COLORS).flat(), '#000'];

function style(group) {
  const src = 'thuadat';
  return {
    version: 8,
    sources: {
      thuadat: { type: 'vector', tiles: [tileUrl(group)], minzoom: 0, maxzoom: 18, attribution: 'thuadat' },
      lookup: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#eef0ea' } },
      { id: 'groups-fill', type: 'fill', source: src, 'source-layer': 'groups', filter: ['==', ['get', 'role'], 'outline'], maxzoom: 15, paint: { 'fill-color': '#17324d', 'fill-opacity': ['interpolate', ['linear'], ['zoom'], 10, 0.12, 14, 0.02] } },
      { id: 'groups-outline', type: 'line', source: src, 'source-layer': 'groups', filter: ['==', ['get', 'role'], 'outline'], maxzoom: 15, paint: { 'line-color': '#17324d', 'line-width': 2 } },
      { id: 'parcels-fill', type: 'fill', source: src, 'source-layer': 'parcels', filter: isPolygon, paint: { 'fill-color': statusColor, 'fill-opacity': 0.55 } },
      { id: 'parcels-line', type: 'line', source: src, 'source-layer': 'parcels', filter: isPolygon, paint: { 'line-color': '#37474f', 'line-width': ['interpolate', ['linear'], ['zoom'], 14, 0.2, 18, 1] } },
      { id: 'parcels-point', type: 'circle', source: src, 'source-layer': 'parcels', filter: isPoint, paint: { 'circle-color': statusColor, 'circle-radius': 3, 'circle-stroke-width': 1, 'circle-stroke-color': '#37474f' } },
      { id: 'conflicts-fill', type: 'fill', source: src, 'source-layer': 'conflicts', filter: isPolygon, paint: { 'fill-color': kindColor, 'fill-opacity': ['match', ['get', 'status'], ['resolved', 'waived'], 0.08, 0.35] } },
      { id: 'conflicts-line', type: 'line', source: src, 'source-layer': 'conflicts', filter: isPolygon, paint: { 'line-color': kindColor, 'line-width': 2 } },
      { id: 'conflicts-point', type: 'circle', source: src, 'source-layer': 'conflicts', filter: isPoint, paint: { 'circle-color': kindColor, 'circle-radius': 5, 'circle-stroke-width': 1, 'circle-stroke-color': '#fff' } },
      { id: 'conflict-selected', type: 'line', source: src, 'source-layer': 'conflicts', filter: ['==', ['get', 'id'], ''], paint: { 'line-color': '#000', 'line-width': 4, 'line-dasharray': [2, 1] } },
      { id: 'parcel-selected', type: 'line', source: src, 'source-layer': 'parcels', filter: ['==', ['get', 'id'], ''], paint: { 'line-color': '#0b57d0', 'line-width': 4 } },
      { id: 'parcels-label', type: 'symbol', source: src, 'source-layer': 'parcels', minzoom: LABELS_MINZOOM, layout: { 'text-field': ['concat', ['to-string', ['get', 'sheet']], '/', ['to-string', ['get', 'parcel_no']]], 'text-font': ['sans-serif'], 'text-size': 11, 'text-allow-overlap': false }, paint: { 'text-color': '#1b1f23', 'text-halo-color': '#fff', 'text-halo-width': 1.2 } },
      { id: 'groups-label', type: 'symbol', source: src, 'source-layer': 'groups', filter: ['==', ['get', 'role'], 'label'], maxzoom: 15, layout: { 'text-field': ['get', 'name'], 'text-font': ['sans-serif'], 'text-size': 13 }, paint: { 'text-color': '#17324d', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } },
      { id: 'lookup-accuracy', type: 'fill', source: 'lookup', filter: isPolygon, paint: { 'fill-color': '#0b57d0', 'fill-opacity': 0.15 } },
      { id: 'lookup-accuracy-line', type: 'line', source: 'lookup', filter: isPolygon, paint: { 'line-color': '#0b57d0', 'line-width': 1.5 } },
      { id: 'lookup-point', type: 'circle', source: 'lookup', filter: isPoint, paint: { 'circle-color': '#0b57d0', 'circle-radius': 6, 'circle-stroke-width': 2, 'circle-stroke-color': '#fff' } },
    ],
  };
}

const CONFLICT_LAYERS = ['conflicts-fill', 'conflicts-line', 'conflicts-point'];
const PARCEL_LAYERS = ['parcels-fill', 'parcels-point'];

function applyKindFilter() {
  const on = Object.keys(KIND_COLORS).filter((k) => !state.kindsOff.has(k));
  const kinds = ['in', ['get', 'kind'], ['literal', on]];
  map.setFilter('conflicts-fill', ['all', isPolygon, kinds]);
  map.setFilter('conflicts-line', ['all', isPolygon, kinds]);
  map.setFilter('conflicts-point', ['all', isPoint, kinds]);
}

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

function fit(bbox, maxZoom = 19) {
  if (!bbox) return;
  const small = window.innerWidth < 700;
  map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: small ? 16 : 40, maxZoom, duration: 0 });
}

function zoomHint() {
  const hint = $('zoom-hint');
  if (!hint || !map) return;
  hint.hidden = map.getZoom() >= PARCELS_MINZOOM;
}

/** Marks the page busy (`<body data-busy>`) while an action's requests are under way. */
let busyCount = 0;
function busy(fn) {
  return async (...args) => {
    busyCount += 1;
    document.body.dataset.busy = 'true';
    try {
      return await fn(...args);
    } finally {
      busyCount -= 1;
      if (busyCount === 0) delete document.body.dataset.busy;
    }
  };
}

/** Resolves when no action is under way and the map has drawn everything it is asked to (for the tests). */
async function idle() {
  while (busyCount > 0) await new Promise((r) => setTimeout(r, 20));
  await new Promise((resolve) => {
    if (map.loaded() && map.areTilesLoaded() && !map.isMoving()) resolve();
    else map.once('idle', () => resolve());
  });
}

// ---------------------------------------------------------------------------------------------------------
// Groups: picker, scorecard, legend, conflict list

function groupEntry(name) {
  return state.groups.find((g) => g.name === name) || null;
}

function fillPicker() {
  const select = $('group');
  for (const g of state.groups) {
    select.append(el('option', { value: g.name }, `${g.name} (${g.parcels} parcels, ${g.conflicts} conflicts)`));
  }
}

function renderScorecard() {
  const box = $('scorecard');
  box.replaceChildren();
  const g = groupEntry(state.group);
  if (!g) {
    const parcels = state.groups.reduce((a, x) => a + x.parcels, 0);
    box.append(el('h2', {}, 'All groups'), el('p', { class: 'muted' }, `${state.groups.length} residential groups, ${parcels} parcels in groups. Pick a group to see its scorecard.`));
    return;
  }
  const rows = [
    ['Parcels', g.parcels],
    ...[1, 2, 3].map((s) => [el('span', {}, el('span', { class: 'swatch', style: `background:${STATUS[s].color}` }), `Status ${s}`), g.status[String(s)]]),
    ['Conflicts', g.conflicts],
  ];
  box.append(
    el('h2', { id: 'scorecard-title' }, g.name),
    el('table', { id: 'scorecard-table' }, rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', { class: 'count' }, v)))),
    el('p', {}, el('a', { href: `/conflicts.csv?group=${encodeURIComponent(g.name)}`, download: '' }, 'Conflicts as CSV')),
  );
}

function renderLegend() {
  const box = $('legend');
  box.replaceChildren(el('h2', {}, 'Legend'));
  const g = groupEntry(state.group);
  for (const s of [1, 2, 3]) {
    box.append(el('div', { class: 'legend-row' }, el('span', { class: 'swatch', style: `background:${STATUS[s].color}` }), STATUS[s].words, g ? el('span', { class: 'count' }, g.status[String(s)]) : null));
  }
  box.append(el('h3', {}, 'Conflicts (tick to show)'));
  const counts = {};
  for (const f of state.conflicts) counts[f.properties.kind] = (counts[f.properties.kind] || 0) + 1;
  for (const kind of Object.keys(KIND_COLORS)) {
    const n = counts[kind] || 0;
    const box2 = el('input', {
      type: 'checkbox', 'data-kind': kind, checked: !state.kindsOff.has(kind),
      onchange: (e) => { if (e.target.checked) state.kindsOff.delete(kind); else state.kindsOff.add(kind); applyKindFilter(); },
    });
    box.append(el('label', { class: 'legend-row', 'data-kind': kind }, box2, el('span', { class: 'swatch', style: `background:${KIND_COLORS[kind]}` }), kind.replaceAll('_', ' '), el('span', { class: 'count' }, n)));
  }
  const offMap = state.conflicts.filter((f) => !f.geometry).length;
  if (offMap) box.append(el('p', { class: 'muted' }, `${offMap} of these conflicts have no place on the map (listed below).`));
}

function renderConflictList() {
  const box = $('conflicts');
  box.replaceChildren(el('h2', {}, `Conflicts${state.group ? ` in ${state.group}` : ''} (${state.conflicts.length})`));
  if (!state.conflicts.length) {
    box.append(el('p', { class: 'muted' }, 'No conflicts here.'));
    return;
  }
  const list = el('ul', { id: 'conflict-list' });
  for (const f of state.conflicts) {
    const p = f.properties;
    const parcels = (p.parcel_ids || '').split(';').filter(Boolean).join(', ');
    const label = `${p.kind.replaceAll('_', ' ')}${parcels ? `: ${parcels}` : ''}`;
    const entry = f.geometry
      ? el('button', { class: 'link', 'data-conflict': p.id, onclick: () => zoomToConflict(f) }, label)
      : el('span', { 'data-conflict': p.id }, label, el('span', { class: 'muted' }, ' (not on the map)'));
    list.append(el('li', {}, el('span', { class: 'swatch', style: `background:${KIND_COLORS[p.kind] || '#000'}` }), entry, reviewTag(p.status), p.detail ? el('div', { class: 'muted' }, p.detail) : null));
  }
  box.append(list);
}

/** A conflict's review status, when it is not open (reviews are kept by the PostGIS store). */
function reviewTag(status) {
  return status && status !== 'open' ? el('span', { class: `review review-${status}`, 'data-review': status }, ` ${status}`) : null;
}

function zoomToConflict(f) {
  map.setFilter('conflict-selected', ['==', ['get', 'id'], f.properties.id]);
  state.kindsOff.delete(f.properties.kind);
  const cb = document.querySelector(`input[data-kind="${f.properties.kind}"]`);
  if (cb) cb.checked = true;
  applyKindFilter();
  const b = bboxOf(f.geometry);
  if (b) fit(b, 19);
}

const setGroup = busy(async function setGroup(name, { fit: doFit = true } = {}) {
  if (name && !groupEntry(name)) {
    say(`There is no residential group named “${name}”; showing all groups.`, 'error');
    name = '';
  }
  state.group = name;
  $('group').value = name;
  map.getSource('thuadat').setTiles([tileUrl(name)]);
  renderScorecard();
  const g = groupEntry(name);
  try {
    const q = name ? `&group=${encodeURIComponent(name)}` : '';
    const doc = await api(`/collections/conflicts/items?limit=10000${q}`);
    state.conflicts = doc.features;
  } catch (e) {
    state.conflicts = [];
    say(`The conflicts could not be loaded: ${e.message}`, 'error');
  }
  renderLegend();
  renderConflictList();
  if (g && g.parcels === 0) {
    say(`The group “${g.name}” has no parcels: there is nothing to draw for it.`, 'warn');
  } else if (doFit) {
    if (g && g.bbox) fit(g.bbox, 18);
    else if (!g && state.bounds) fit(state.bounds, 18);
  }
  writeHash();
});

// ---------------------------------------------------------------------------------------------------------
// A parcel's panel

function row(k, v, id) {
  return el('tr', {}, el('th', {}, k), el('td', id ? { 'data-field': id } : {}, v ?? '—'));
}

const selectParcel = busy(async function selectParcel(id, { zoom = false } = {}) {
  let f;
  try {
    f = await api(`/collections/parcels/items/${encodeURIComponent(id)}`);
  } catch (e) {
    say(e.status === 404 ? `There is no parcel “${id}”.` : `The parcel could not be loaded: ${e.message}`, 'error');
    return;
  }
  const p = f.properties;
  state.selected = p.id;
  map.setFilter('parcel-selected', ['==', ['get', 'id'], p.id]);
  const box = $('parcel');
  box.hidden = false;
  const certs = p.certificates || [];
  const conflictIds = (p.conflict_ids || '').split(';').filter(Boolean);
  const conflicts = await Promise.all(conflictIds.map((cid) => api(`/collections/conflicts/items/${encodeURIComponent(cid)}`).catch(() => null)));
  box.replaceChildren(
    el('button', { class: 'close', onclick: clearSelection, 'aria-label': 'Close' }, '×'),
    el('h2', { id: 'parcel-title' }, `Parcel ${p.sheet ?? '?'}/${p.parcel_no ?? '?'}`),
    el('table', { id: 'parcel-table' },
      row('Id', p.id, 'id'),
      row('Sheet', p.sheet, 'sheet'),
      row('Parcel no.', p.parcel_no, 'parcel_no'),
      row('Land use', p.land_use, 'land_use'),
      row('Group', p.group, 'group'),
      row('Status', el('span', {}, el('span', { class: 'swatch', style: `background:${(STATUS[p.status] || {}).color}` }), `${p.status}${p.reasons ? ` (${p.reasons.replaceAll(';', ', ')})` : ''}`), 'status'),
      row('Mapped area', p.area_m2 === null ? null : `${fmt(p.area_m2, 2)} m²`, 'area_m2'),
      row('Recorded area', p.recorded_area_m2 === null ? null : `${fmt(p.recorded_area_m2, 2)} m²`, 'recorded_area_m2'),
      row('Geometry', p.valid ? 'valid' : el('span', { class: 'bad' }, 'invalid'), 'valid'),
    ),
    el('h3', {}, `Certificates (${certs.length})`),
    certs.length
      ? el('ul', { id: 'parcel-certificates' }, certs.map((c) => el('li', { 'data-cert': c.id }, `${c.id}: ${fmt(c.area_m2, 2)} m², `, c.status === 'ok' ? 'ok' : el('span', { class: 'bad' }, `in conflict (${c.conflict_ids.length})`))))
      : el('p', { class: 'muted', id: 'parcel-certificates' }, 'No certificate is linked to this parcel.'),
    el('h3', {}, `Conflicts (${conflictIds.length})`),
    conflictIds.length
      ? el('ul', { id: 'parcel-conflicts' }, conflictIds.map((cid, i) => {
        const c = conflicts[i];
        const kind = c ? c.properties.kind : '?';
        return el('li', { 'data-conflict': cid }, el('span', { class: 'swatch', style: `background:${KIND_COLORS[kind] || '#000'}` }),
          c && c.geometry ? el('button', { class: 'link', onclick: () => zoomToConflict(c) }, kind.replaceAll('_', ' ')) : kind.replaceAll('_', ' '),
          reviewTag(c && c.properties.status),
          c && c.properties.detail ? el('div', { class: 'muted' }, c.properties.detail) : null);
      }))
      : el('p', { class: 'muted', id: 'parcel-conflicts' }, 'None.'),
  );
  if (zoom) fit(bboxOf(f.geometry), 19);
  if (window.innerWidth < 700) box.scrollIntoView({ block: 'nearest' });
  writeHash();
});

function clearSelection() {
  state.selected = null;
  map.setFilter('parcel-selected', ['==', ['get', 'id'], '']);
  $('parcel').hidden = true;
  writeHash();
}

// ---------------------------------------------------------------------------------------------------------
// Find a parcel by sheet and number

const findParcel = busy(async function findParcel(sheet, number) {
  if (!/^\d+$/.test(sheet) || !/^\d+$/.test(number)) {
    say('Type the sheet and the parcel number as whole numbers, e.g. sheet 3, parcel 412.', 'error');
    return;
  }
  let doc;
  try {
    doc = await api(`/collections/parcels/items?sheet=${sheet}&parcel_no=${number}&limit=100`);
  } catch (e) {
    say(`The search failed: ${e.message}`, 'error');
    return;
  }
  const found = doc.features;
  if (!found.length) {
    say(`There is no parcel number ${number} on sheet ${sheet}.`, 'error');
    return;
  }
  const first = found[0].properties;
  if (state.group && first.group !== state.group) await setGroup(first.group || '', { fit: false });
  say(found.length > 1 ? `${found.length} parcels carry number ${number} on sheet ${sheet} (a duplicate parcel number); showing the first.` : '', 'warn');
  if (found.length > 1) renderCandidates(`Parcels numbered ${sheet}/${number}`, found.map((f) => f.properties), null);
  await selectParcel(first.id, { zoom: true });
});

// ---------------------------------------------------------------------------------------------------------
// Where am I: /lookup with an accuracy circle and the candidate parcels

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

function renderCandidates(title, parcels, reason) {
  const box = $('lookup');
  box.hidden = false;
  box.replaceChildren(
    el('button', { class: 'close', onclick: () => { box.hidden = true; map.getSource('lookup').setData({ type: 'FeatureCollection', features: [] }); }, 'aria-label': 'Close' }, '×'),
    el('h2', { id: 'lookup-title' }, title),
    reason ? el('p', { id: 'lookup-reason' }, reason) : null,
    el('ul', { id: 'lookup-candidates' }, parcels.map((p) => el('li', { 'data-parcel': p.id },
      el('span', { class: 'swatch', style: `background:${(STATUS[p.status] || {}).color}` }),
      el('button', { class: 'link', onclick: () => selectParcel(p.id, { zoom: true }) }, `${p.sheet}/${p.parcel_no}`),
      ` ${p.id}`,
      p.distance_m !== undefined ? el('span', { class: 'muted' }, p.distance_m === 0 ? ' (under the point)' : ` (${fmt(p.distance_m, 2)} m away)`) : null,
    ))),
  );
}

const lookUp = busy(async function lookUp(lon, lat, accuracy) {
  let doc;
  try {
    doc = await api(`/lookup?lon=${lon}&lat=${lat}&accuracy=${accuracy}`);
  } catch (e) {
    say(`The look-up failed: ${e.message}`, 'error');
    return;
  }
  map.getSource('lookup').setData({
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: {}, geometry: circle(lon, lat, accuracy) },
      { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [lon, lat] } },
    ],
  });
  const where = `${lat.toFixed(6)}, ${lon.toFixed(6)} (±${fmt(accuracy, 0)} m)`;
  const candidates = [doc.parcel, ...doc.nearby].filter(Boolean);
  if (!candidates.length) {
    say(`No parcel at ${where}: the point is outside every parcel of the map (${doc.reason}).`, 'warn');
    renderCandidates(`Nothing at ${where}`, [], doc.reason);
  } else {
    say(doc.ambiguous ? `More than one parcel is within reach of ${where}: ${doc.reason}.` : '', 'warn');
    renderCandidates(`At ${where}`, candidates, doc.reason);
    if (doc.parcel && (!state.group || doc.parcel.group === state.group || !groupEntry(doc.parcel.group))) {
      await selectParcel(doc.parcel.id);
    } else if (doc.parcel) {
      await setGroup(doc.parcel.group || '', { fit: false });
      await selectParcel(doc.parcel.id);
    }
  }
  map.jumpTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), accuracy > 200 ? 15 : 18) });
  writeHash();
});

/** `lat, lon` or `lat, lon, accuracy` (metres); a first number outside ±90 is taken as the longitude. */
function parseCoords(text) {
  const n = text.split(/[\s,;]+/).filter(Boolean).map(Number);
  if ((n.length !== 2 && n.length !== 3) || !n.every(Number.isFinite)) return null;
  let [lat, lon] = n;
  if (Math.abs(lat) > 90) [lat, lon] = [lon, lat];
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  const acc = n.length === 3 ? n[2] : 5;
  if (acc < 0 || acc > 1000) return null;
  return { lat, lon, acc };
}

function locate() {
  if (!('geolocation' in navigator) || !window.isSecureContext) {
    say('This browser gives no position here (geolocation needs https or localhost): type your coordinates as “lat, lon” instead.', 'error');
    return;
  }
  say('Asking the device for its position…');
  navigator.geolocation.getCurrentPosition(
    (pos) => { say(''); lookUp(pos.coords.longitude, pos.coords.latitude, Math.min(1000, Math.max(1, Math.round(pos.coords.accuracy)))); },
    (err) => {
      const why = { 1: 'permission was refused', 2: 'the position is unavailable', 3: 'it took too long' }[err.code] || err.message;
      say(`No position from this device (${why}): type your coordinates as “lat, lon” instead.`, 'error');
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 10000 },
  );
}

// ---------------------------------------------------------------------------------------------------------
// The login of a server with users (`serve --db`): who, in which role and groups, and a way out.

const ROLES = { admin: 'Quản trị', officer: 'Cán bộ địa chính', field: 'Tổ thực địa', viewer: 'Xem' };

async function showAccount() {
  let me;
  try {
    me = await api('/me');
  } catch {
    return; // a dataset directory: no logins
  }
  const scope = me.role === 'field' ? me.groups.join(', ') : me.communes.length ? me.communes.join(', ') : '';
  const out = el('form', { method: 'post', action: '/logout', class: 'inline' }, el('button', { type: 'submit', id: 'logout' }, 'Đăng xuất'));
  const who = el('span', { id: 'who', title: `${me.login} (${me.role})` }, `${me.login} · ${ROLES[me.role] || me.role}${scope ? ` · ${scope}` : ''}`);
  $('account').replaceChildren(who, out);
  $('account').hidden = false;
  state.me = me;
}

// ---------------------------------------------------------------------------------------------------------
// Start

async function start() {
  const hash = readHash();
  let health;
  try {
    [health, state.groups] = await Promise.all([api('/health'), api('/groups').then((d) => d.groups)]);
    const tj = await api('/tiles.json');
    state.bounds = tj.bounds;
  } catch (e) {
    say(`The map cannot start: ${e.message}`, 'error');
    return;
  }
  $('dataset').textContent = `· ${health.dataset}`;
  await showAccount();
  fillPicker();
  try {
    map = new maplibregl.Map({
      container: 'map',
      style: style(hash.group && state.groups.some((g) => g.name === hash.group) ? hash.group : ''),
      center: hash.center || [(state.bounds[0] + state.bounds[2]) / 2, (state.bounds[1] + state.bounds[3]) / 2],
      zoom: hash.zoom ?? 14,
      attributionControl: { compact: true },
      maxZoom: 22,
    });
  } catch (e) {
    say(`This browser cannot draw the map (${e.message}). It needs WebGL.`, 'error');
    return;
  }
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  $('map').append(el('div', { id: 'zoom-hint', class: 'map-hint', hidden: true }, 'Zoom in to see the parcels (drawn from zoom 14; in dense places every parcel from zoom 16, status 3 and parcels in conflict first below it).'));
  window.thuadat = { map, state, idle, setGroup, selectParcel, lookUp, findParcel };

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
    if (/fetch|network|Failed/i.test(msg) || (e.error && e.error.status === 0)) {
      say(`Map tiles could not be loaded: the server at ${location.host} does not answer. The map may be incomplete.`, 'error');
    } else {
      say(`The map reported a problem: ${msg}`, 'error');
    }
  });
  await new Promise((resolve) => map.once('load', resolve));
  say('');
  map.on('moveend', () => { writeHash(); zoomHint(); });
  map.on('click', (e) => {
    const hits = map.queryRenderedFeatures(e.point, { layers: PARCEL_LAYERS });
    if (hits.length) selectParcel(hits[0].properties.id);
  });
  map.on('mouseenter', 'parcels-fill', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'parcels-fill', () => { map.getCanvas().style.cursor = ''; });

  $('group').addEventListener('change', (e) => { say(''); setGroup(e.target.value); });
  $('find').addEventListener('submit', (e) => { e.preventDefault(); say(''); findParcel($('find-sheet').value.trim(), $('find-parcel').value.trim()); });
  $('where').addEventListener('submit', (e) => {
    e.preventDefault();
    const c = parseCoords($('where-coords').value);
    if (!c) {
      say('Type coordinates as “latitude, longitude” in degrees, optionally with an accuracy in metres: e.g. 20.9862, 105.4086, 10.', 'error');
      return;
    }
    say('');
    lookUp(c.lon, c.lat, c.acc);
  });
  $('locate').addEventListener('click', locate);

  await setGroup(hash.group, { fit: !hash.center });
  if (hash.parcel) await selectParcel(hash.parcel);
  zoomHint();
  document.body.dataset.ready = 'true';
}

start().catch((e) => say(`The map stopped with an error: ${e.message}`, 'error'));

// The map's look: a status palette readable with red-green colour blindness (blue, orange, dark red: apart in
// lightness as well as hue, each at least 3:1 against white) with a second cue for group 3 (hatching and a
// heavier outline); conflicts as outlines and symbols over the status fill, not fills that muddy it; the
// chosen group at full strength and its neighbours dimmed around it.

/** Status (nhóm) colours: the fill and the outline / swatch colour. */
export const STATUS = {
  1: { fill: '#3b7dbf', line: '#1d4f80' },
  2: { fill: '#c46c00', line: '#7a4300' },
  3: { fill: '#a50f15', line: '#4d0509' },
};

/** Conflict kinds: outline and symbol colours (the list and the panel name each kind in words too). */
export const KIND_COLORS = {
  overlap: '#d81b60',
  invalid_geometry: '#6a1b9a',
  duplicate_parcel_number: '#283593',
  unmapped_split: '#00796b',
  duplicate_certificate: '#5d4037',
  unmatched_certificate: '#424242',
  parcel_without_certificate: '#e65100',
  area_mismatch: '#0277bd',
  holder_id_invalid: '#4e342e',
  holder_not_found: '#37474f',
  holder_mismatch: '#827717',
  gap: '#ad1457',
  parcel_code: '#1565c0',
};

export const PARCELS_MINZOOM = 14; // the `parcels` tile layer starts here (docs/API.md)
export const LABELS_MINZOOM = 17;

const isPolygon = ['==', ['geometry-type'], 'Polygon'];
const isPoint = ['==', ['geometry-type'], 'Point'];
const statusFill = ['match', ['get', 'status'], 1, STATUS[1].fill, 2, STATUS[2].fill, 3, STATUS[3].fill, '#999'];
const kindColor = ['match', ['get', 'kind'], ...Object.entries(KIND_COLORS).flat(), '#000'];

/** True when a feature is in the chosen group ('' = every group counts as chosen). */
const inGroup = (group) => (group ? ['==', ['get', 'group'], group] : true);
const groupNameIs = (group) => (group ? ['==', ['get', 'name'], group] : true);

/** A diagonal hatch (group 3's second cue), drawn on a canvas once. */
export function hatchImage() {
  const size = 8;
  const c = document.createElement('canvas');
  c.width = size;
  c.height = size;
  const g = c.getContext('2d');
  g.strokeStyle = 'rgba(255,255,255,0.85)';
  g.lineWidth = 1.6;
  g.beginPath();
  g.moveTo(0, size);
  g.lineTo(size, 0);
  g.moveTo(-2, 2);
  g.lineTo(2, -2);
  g.moveTo(size - 2, size + 2);
  g.lineTo(size + 2, size - 2);
  g.stroke();
  return g.getImageData(0, 0, size, size);
}

/** The style: one vector source for everything the caller may see; the chosen group picked out by filters. */
export function style(tiles) {
  const src = 'thuadat';
  return {
    version: 8,
    sources: {
      thuadat: { type: 'vector', tiles: [tiles], minzoom: 0, maxzoom: 18, attribution: 'thuadat' },
      lookup: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#eef0ea' } },
      { id: 'groups-fill', type: 'fill', source: src, 'source-layer': 'groups', filter: ['==', ['get', 'role'], 'outline'], maxzoom: 15, paint: { 'fill-color': '#17324d', 'fill-opacity': ['interpolate', ['linear'], ['zoom'], 10, 0.12, 14, 0.02] } },
      { id: 'parcels-fill', type: 'fill', source: src, 'source-layer': 'parcels', filter: isPolygon, paint: { 'fill-color': statusFill, 'fill-opacity': 0.6 } },
      { id: 'parcels-hatch', type: 'fill', source: src, 'source-layer': 'parcels', filter: ['all', isPolygon, ['==', ['get', 'status'], 3]], paint: { 'fill-pattern': 'hatch' } },
      { id: 'parcels-dim', type: 'fill', source: src, 'source-layer': 'parcels', filter: ['all', isPolygon, false], paint: { 'fill-color': '#eef0ea', 'fill-opacity': 0.75 } },
      { id: 'parcels-line', type: 'line', source: src, 'source-layer': 'parcels', filter: isPolygon, paint: { 'line-color': '#37474f', 'line-width': ['interpolate', ['linear'], ['zoom'], 14, 0.2, 18, 1] } },
      { id: 'parcels-line-3', type: 'line', source: src, 'source-layer': 'parcels', filter: ['all', isPolygon, ['==', ['get', 'status'], 3]], paint: { 'line-color': STATUS[3].line, 'line-width': ['interpolate', ['linear'], ['zoom'], 14, 0.8, 18, 2.2] } },
      { id: 'parcels-point', type: 'circle', source: src, 'source-layer': 'parcels', filter: isPoint, paint: { 'circle-color': statusFill, 'circle-radius': 3, 'circle-stroke-width': 1, 'circle-stroke-color': '#37474f' } },
      { id: 'groups-outline', type: 'line', source: src, 'source-layer': 'groups', filter: ['==', ['get', 'role'], 'outline'], paint: { 'line-color': '#17324d', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 2, 18, 3], 'line-opacity': 0.8 } },
      { id: 'conflicts-fill', type: 'fill', source: src, 'source-layer': 'conflicts', filter: isPolygon, paint: { 'fill-color': kindColor, 'fill-opacity': 0.06 } },
      { id: 'conflicts-line', type: 'line', source: src, 'source-layer': 'conflicts', filter: isPolygon, paint: { 'line-color': kindColor, 'line-width': ['match', ['get', 'status'], ['resolved', 'waived'], 1, 2.5], 'line-dasharray': [3, 1.5] } },
      { id: 'conflicts-point', type: 'circle', source: src, 'source-layer': 'conflicts', filter: isPoint, paint: { 'circle-color': kindColor, 'circle-radius': ['interpolate', ['linear'], ['zoom'], 14, 5, 18, 8], 'circle-stroke-width': 2, 'circle-stroke-color': '#fff', 'circle-opacity': ['match', ['get', 'status'], ['resolved', 'waived'], 0.4, 1] } },
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

export const CONFLICT_LAYERS = ['conflicts-fill', 'conflicts-line', 'conflicts-point'];
export const PARCEL_LAYERS = ['parcels-fill', 'parcels-point'];

/** Filters for the chosen group and the conflict kinds switched on: the group's conflicts only; its
 *  neighbours' parcels dimmed (drawn, for context, under a veil). */
export function applyFilters(map, group, kindsOn) {
  const kinds = ['in', ['get', 'kind'], ['literal', kindsOn]];
  map.setFilter('conflicts-fill', ['all', isPolygon, kinds, inGroup(group)]);
  map.setFilter('conflicts-line', ['all', isPolygon, kinds, inGroup(group)]);
  map.setFilter('conflicts-point', ['all', isPoint, kinds, inGroup(group)]);
  map.setFilter('parcels-dim', group ? ['all', isPolygon, ['!=', ['get', 'group'], group]] : ['all', isPolygon, false]);
  map.setPaintProperty('groups-outline', 'line-width', group ? ['case', groupNameIs(group), 3.5, 1] : 2);
  map.setFilter('parcels-label', group ? inGroup(group) : null);
}

/** A commune kept as map sheets: the drawing's lines that bound no face (magenta, dashed) and its labels in no
 *  face (their text, boxed), above everything else, so officers see where the drawing needs a surveyor. */
export function addDrawing(map, collection) {
  map.addSource('drawing', { type: 'geojson', data: collection });
  const isLine = ['==', ['geometry-type'], 'LineString'];
  map.addLayer({ id: 'drawing-line', type: 'line', source: 'drawing', filter: isLine, paint: { 'line-color': '#c2185b', 'line-width': 3, 'line-dasharray': [2, 1] } });
  map.addLayer({ id: 'drawing-label', type: 'circle', source: 'drawing', filter: isPoint, paint: { 'circle-color': '#c2185b', 'circle-radius': 5, 'circle-stroke-width': 2, 'circle-stroke-color': '#fff' } });
  map.addLayer({ id: 'drawing-text', type: 'symbol', source: 'drawing', filter: isPoint, layout: { 'text-field': ['get', 'text'], 'text-font': ['sans-serif'], 'text-size': 12, 'text-offset': [0, 1.2] }, paint: { 'text-color': '#c2185b', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } });
}

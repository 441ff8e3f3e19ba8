// Typed coordinates as field teams write them: decimal degrees with a dot or a decimal comma
// (`20.98343, 105.40321`, `20,98343 105,40321`, `20,98343; 105,40321`), degrees-minutes-seconds
// (`20°59'00.3"N 105°24'11.6"E`, Vietnamese B/Đ for north/east), and VN-2000 X/Y in metres (`X=2320570.1
// Y=541949.3`, or two large numbers: in Vietnam the northing X is always the larger). An accuracy in metres may
// follow the decimal and projected forms. Pure functions, no DOM: tested in node (web/tests/coords.test.mjs).

const NUM = '(\\d+(?:[.,]\\d+)?)';

/** A number with a dot or a comma as decimal separator. */
function toNumber(s) {
  return Number(String(s).replace(',', '.'));
}

/** Splits the decimal forms into numbers: `, ` and `; ` and spaces separate; a lone comma between digits is a
 *  decimal comma unless dots are used too (`20.9,105.4`). */
function splitNumbers(text) {
  let s = text.trim().replace(/[;]+/g, ' ').replace(/,\s+/g, ' ');
  if (!/\s/.test(s)) {
    const commas = (s.match(/,/g) || []).length;
    if (s.includes('.') && commas >= 1) s = s.replace(/,/g, ' ');
    else if (commas === 1) return null; // `20,98343` alone: one number
    else if (commas === 3) {
      // `20,98343,105,40321`: two numbers with decimal commas
      const p = s.split(',');
      s = `${p[0]},${p[1]} ${p[2]},${p[3]}`;
    } else if (commas === 2 && !s.includes('.')) return null; // ambiguous
  }
  const parts = s.split(/\s+/).filter(Boolean);
  if (!parts.every((p) => /^[-+]?\d+(?:[.,]\d+)?$/.test(p))) return null;
  return parts.map(toNumber);
}

/** `20°59'00.3"N`-style parts: each `{value, hemi}`; null when the text is not in that form. */
function parseDms(text) {
  const re = new RegExp(
    `([NSEWBĐDT])?\\s*${NUM}\\s*°\\s*(?:${NUM}\\s*['′’]\\s*)?(?:${NUM}\\s*(?:"|″|”|'')\\s*)?([NSEWBĐDT])?`,
    'giu',
  );
  const out = [];
  let rest = text;
  for (const m of text.matchAll(re)) {
    const [all, pre, d, mi, se, post] = m;
    const deg = toNumber(d) + (mi ? toNumber(mi) / 60 : 0) + (se ? toNumber(se) / 3600 : 0);
    if ((mi && toNumber(mi) >= 60) || (se && toNumber(se) >= 60)) return null;
    out.push({ value: deg, hemi: (pre || post || '').toUpperCase() });
    rest = rest.replace(all, ' ');
  }
  if (out.length !== 2 || /[0-9]/.test(rest)) return null;
  return out;
}

const NORTH = new Set(['N', 'B']);
const SOUTH = new Set(['S']);
const EAST = new Set(['E', 'Đ', 'D']);
const WEST = new Set(['W', 'T']);

function fromDms(parts) {
  let lat = null;
  let lon = null;
  const free = [];
  for (const p of parts) {
    if (NORTH.has(p.hemi) || SOUTH.has(p.hemi)) lat = SOUTH.has(p.hemi) ? -p.value : p.value;
    else if (EAST.has(p.hemi) || WEST.has(p.hemi)) lon = WEST.has(p.hemi) ? -p.value : p.value;
    else free.push(p.value);
  }
  if (lat === null) lat = free.shift() ?? null;
  if (lon === null) lon = free.shift() ?? null;
  if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { type: 'lonlat', lat, lon, acc: null };
}

/** `X=2320570.1 Y=541949.3` (any order, `:` or `=` or a space). */
function parseLabelled(text) {
  const x = text.match(new RegExp(`X\\s*[:=]?\\s*${NUM}`, 'i'));
  const y = text.match(new RegExp(`Y\\s*[:=]?\\s*${NUM}`, 'i'));
  if (!x || !y) return null;
  const rest = text.replace(x[0], ' ').replace(y[0], ' ').trim();
  const acc = rest ? splitNumbers(rest) : [];
  if (acc === null || acc.length > 1) return null;
  return { type: 'projected', northing: toNumber(x[1]), easting: toNumber(y[1]), acc: acc.length ? acc[0] : null };
}

/**
 * Parses typed coordinates. Returns `{type: 'lonlat', lat, lon, acc}` or `{type: 'projected', easting, northing,
 * acc}` (acc in metres or null), or null when the text is none of the forms.
 *
 *     parse('20,98343 105,40321')        // {type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null}
 *     parse('X=2320570 Y=541949')        // {type: 'projected', northing: 2320570, easting: 541949, acc: null}
 */
export function parse(text) {
  if (typeof text !== 'string' || !text.trim()) return null;
  const s = text.trim();
  const code = nationalCode(s);
  if (code) return code;
  if (s.includes('°')) {
    const parts = parseDms(s);
    return parts ? fromDms(parts) : null;
  }
  if (/[xy]/i.test(s)) return parseLabelled(s);
  const n = splitNumbers(s);
  if (!n || (n.length !== 2 && n.length !== 3) || !n.every(Number.isFinite)) return null;
  const acc = n.length === 3 ? n[2] : null;
  if (acc !== null && (acc < 0 || acc > 1000)) return null;
  const [a, b] = n;
  if (Math.abs(a) > 1000 && Math.abs(b) > 1000) {
    // VN-2000 metres: the northing X (about 940 000 to 2 600 000 in Vietnam) exceeds the easting Y (500 000
    // ± 200 000 in a TM-3 zone).
    return { type: 'projected', northing: Math.max(a, b), easting: Math.min(a, b), acc };
  }
  let lat = a;
  let lon = b;
  if (Math.abs(lat) > 90) [lat, lon] = [lon, lat];
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { type: 'lonlat', lat, lon, acc };
}

const GEOHASH = '0123456789bcdefghjkmnpqrstuvwxyz';

/** A national parcel code (mã định danh thửa đất: the GeoHash, 12 characters, of a point inside the parcel)
 *  as `{type: 'code', code, lat, lon, acc}`, the point the centre of its cell; null when `s` is not one (it
 *  needs a letter, so that twelve digits are not taken for one). */
export function nationalCode(s) {
  const code = s.trim().toLowerCase();
  if (code.length !== 12 || !/[a-z]/.test(code) || [...code].some((ch) => !GEOHASH.includes(ch))) return null;
  const lat = [-90, 90];
  const lon = [-180, 180];
  let even = true;
  for (const ch of code) {
    const v = GEOHASH.indexOf(ch);
    for (let b = 4; b >= 0; b -= 1) {
      const range = even ? lon : lat;
      const mid = (range[0] + range[1]) / 2;
      if ((v >> b) & 1) range[0] = mid;
      else range[1] = mid;
      even = !even;
    }
  }
  return { type: 'code', code, lat: (lat[0] + lat[1]) / 2, lon: (lon[0] + lon[1]) / 2, acc: null };
}

/** Degrees as degrees-minutes-seconds, e.g. `20°59′00,3″`. */
export function dms(value, decimalComma = true) {
  const v = Math.abs(value);
  let d = Math.floor(v);
  let m = Math.floor((v - d) * 60);
  let s = Math.round(((v - d) * 60 - m) * 600) / 10;
  if (s >= 60) { s -= 60; m += 1; }
  if (m >= 60) { m -= 60; d += 1; }
  const sec = s.toFixed(1);
  return `${d}°${String(m).padStart(2, '0')}′${(decimalComma ? sec.replace('.', ',') : sec).padStart(4, '0')}″`;
}

// The typed-coordinate parser of the web map (web/app/coords.js), in node: every form field teams write.
//   node web/tests/coords.test.mjs        (run by tests/webmap.rs)
import assert from 'node:assert/strict';
import { parse, dms } from '../app/coords.js';

const near = (a, b, eps = 1e-9) => Math.abs(a - b) < eps;
const cases = [
  ['20.98343, 105.40321', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null }],
  ['20.98343 105.40321', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null }],
  ['20,98343 105,40321', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null }],
  ['20,98343; 105,40321', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null }],
  ['20,98343;105,40321', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null }],
  ['20,98343,105,40321', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null }],
  ['20.98343,105.40321', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null }],
  ['20.98343, 105.40321, 12', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: 12 }],
  ['20,98343 105,40321 7,5', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: 7.5 }],
  ['105.40321, 20.98343', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null }],
  [`20°59'00.348"N 105°24'11.556"E`, { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null }],
  ['20°59′00,348″B 105°24′11,556″Đ', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null }],
  ['105°24′11.556″E 20°59′00.348″N', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null }],
  ['20° 59.0058′ 105° 24.1926′', { type: 'lonlat', lat: 20.98343, lon: 105.40321, acc: null }],
  ['X=2320570.1 Y=541949.3', { type: 'projected', northing: 2320570.1, easting: 541949.3, acc: null }],
  ['Y: 541949,3 X: 2320570,1', { type: 'projected', northing: 2320570.1, easting: 541949.3, acc: null }],
  ['x 2320570.1 y 541949.3 10', { type: 'projected', northing: 2320570.1, easting: 541949.3, acc: 10 }],
  ['2320570.1 541949.3', { type: 'projected', northing: 2320570.1, easting: 541949.3, acc: null }],
  ['541949,3 2320570,1', { type: 'projected', northing: 2320570.1, easting: 541949.3, acc: null }],
  // National parcel codes (GeoHash-12): the centre of the code's cell; any case, spaces around.
  ['w7dzq89xxwpn', { type: 'code', code: 'w7dzq89xxwpn', lat: 20.96598138101399, lon: 105.40522338822484, acc: null }],
  [' W7DZQ89XXWPN ', { type: 'code', code: 'w7dzq89xxwpn', lat: 20.96598138101399, lon: 105.40522338822484, acc: null }],
  // Wikipedia's example, one character longer: still inside its 11-character cell.
  ['u4pruydqqvj0', { type: 'code', code: 'u4pruydqqvj0', lat: 57.649110, lon: 10.407439 }],
];
let n = 0;
for (const [text, want] of cases) {
  const got = parse(text);
  assert.ok(got, `${text}: not parsed`);
  assert.equal(got.type, want.type, text);
  for (const k of Object.keys(want)) {
    if (typeof want[k] === 'number') assert.ok(near(got[k], want[k], text.startsWith('u4') ? 1e-5 : 1e-6), `${text}: ${k} ${got[k]} != ${want[k]}`);
    else assert.equal(got[k], want[k], `${text}: ${k}`);
  }
  n += 1;
}
for (const bad of ['', 'north of the market', '20,98343', '95, 200', '20.9 105.4 5000', '20°61′ 105°', 'X=1', '1,2,3', '20.9', '123456789012', 'w7dzq89xxwp', 'w7dzq89xxwpa']) {
  assert.equal(parse(bad), null, `${JSON.stringify(bad)} should not parse`);
  n += 1;
}
assert.equal(dms(20.98343), '20°59′00,3″');
assert.equal(dms(105.40321, false), '105°24′11.6″');
console.log(`ok - ${n + 2} coordinate forms`);

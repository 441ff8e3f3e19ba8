-- The PostGIS/GEOS side of the Da Nang comparison, for one ward loaded by ogr2ogr into public.:tbl
-- (columns ogr_fid = feature index in the file, objectid, maxa, sohieutobando, sothututhua, ..., geom in EPSG:4326).
-- psql variables: tbl (table), sch (schema for the results), edge_area (pairs at or below it are dropped: the
-- lower end of the "just under the tolerance" band, m2; the tolerance itself is applied by compare.py).
-- Results: :sch.parcels (one row per parcel), :sch.invalid, :sch.dups, :sch.pairs, :sch.pairs_invalid, :sch.gaps.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- thuadat's default parcel id: {commune}-{sheet}-{parcel_no} (or {sheet}-{parcel_no}, or feature-{index}),
-- repeats numbered _2, _3 ... in feature order.
ALTER TABLE public.:tbl ADD COLUMN IF NOT EXISTS parcel_id text;
WITH base AS (
  SELECT ogr_fid,
         CASE
           WHEN sohieutobando IS NOT NULL AND sothututhua IS NOT NULL AND NULLIF(btrim(maxa), '') IS NOT NULL
             THEN btrim(maxa) || '-' || sohieutobando || '-' || sothututhua
           WHEN sohieutobando IS NOT NULL AND sothututhua IS NOT NULL
             THEN sohieutobando || '-' || sothututhua
           ELSE 'feature-' || ogr_fid
         END AS base
  FROM public.:tbl
), numbered AS (
  SELECT ogr_fid, base, row_number() OVER (PARTITION BY base ORDER BY ogr_fid) AS k FROM base
)
UPDATE public.:tbl w
   SET parcel_id = CASE WHEN n.k = 1 THEN n.base ELSE n.base || '_' || n.k END
  FROM numbered n
 WHERE n.ogr_fid = w.ogr_fid;
CREATE UNIQUE INDEX ON public.:tbl (parcel_id);

DROP SCHEMA IF EXISTS :sch CASCADE;
CREATE SCHEMA :sch;
SET search_path = :sch, public;

-- A safe intersection area: GEOS may throw on awkward input; NULL then, and the pair is reported as an error.
CREATE FUNCTION overlap_m2(a geometry, b geometry) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RETURN ST_Area(ST_CollectionExtract(ST_Intersection(a, b), 3)::geography, true);
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END $$;

-- The same in a planar frame (m2 of the projection, not scaled).
CREATE FUNCTION overlap_planar_m2(a geometry, b geometry, proj text) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RETURN ST_Area(ST_Intersection(ST_Transform(a, proj), ST_Transform(b, proj)));
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END $$;

-- The local transverse Mercator thuadat works in for geographic input: k = 1, central meridian = the first
-- coordinate's longitude rounded to 0.01 degree.
CREATE TABLE frame AS
SELECT format('+proj=tmerc +lat_0=0 +lon_0=%s +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs',
              round(ST_X(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1))::numeric, 2)) AS proj
  FROM public.:tbl WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom) ORDER BY ogr_fid LIMIT 1;

-- One row per parcel: GEOS validity on the lon/lat coordinates (what the comparison uses) and on the
-- projected coordinates thuadat validates, and the ellipsoidal area.
CREATE TABLE parcels AS
SELECT t.ogr_fid, t.objectid, t.parcel_id, t.maxa, t.sohieutobando AS sheet, t.sothututhua AS parcel_no,
       t.dientich AS recorded_area,
       CASE WHEN t.geom IS NULL THEN 'null geometry'
            WHEN ST_IsEmpty(t.geom) THEN 'empty geometry'
            WHEN NOT ST_IsValid(t.geom) THEN ST_IsValidReason(t.geom) END AS geos_invalid,
       CASE WHEN t.geom IS NULL OR ST_IsEmpty(t.geom) THEN NULL
            WHEN NOT ST_IsValid(ST_Transform(t.geom, f.proj)) THEN ST_IsValidReason(ST_Transform(t.geom, f.proj))
       END AS geos_invalid_tm,
       ST_Area(t.geom::geography, true) AS area_m2,
       ST_NPoints(t.geom) AS npoints,
       ST_NumInteriorRings(ST_GeometryN(t.geom, 1)) AS holes
  FROM public.:tbl t, frame f;

CREATE TABLE invalid AS
SELECT parcel_id, objectid, geos_invalid AS reason, geos_invalid_tm AS reason_tm FROM parcels
 WHERE geos_invalid IS NOT NULL ORDER BY parcel_id;

-- Same commune (compared loosely, as thuadat does: trimmed, leading zeros of numeric codes dropped), sheet and
-- parcel number.
CREATE TABLE dups AS
SELECT string_agg(parcel_id, ' ' ORDER BY parcel_id COLLATE "C") AS parcel_ids, count(*) AS n
  FROM parcels
 WHERE sheet IS NOT NULL AND parcel_no IS NOT NULL
 GROUP BY CASE WHEN btrim(coalesce(maxa, '')) ~ '^[0-9]+$'
               THEN coalesce(NULLIF(ltrim(btrim(maxa), '0'), ''), '0')
               ELSE lower(btrim(coalesce(maxa, ''))) END,
          sheet, parcel_no
HAVING count(*) > 1;

-- The overlap self-join among GEOS-valid parcels, every pair above edge_area (the tolerance band included).
-- area_m2 (the reference): GEOS intersection of the lon/lat polygons, ellipsoidal area of it. area_tm_m2: GEOS
-- intersection in thuadat's transverse Mercator (edges straight there rather than in lon/lat), planar area
-- (the k = 1 frame's areal scale differs from 1 by less than 1e-7 within a few km of its meridian).
CREATE TABLE pairs AS
SELECT least(a.parcel_id, b.parcel_id) AS a_id, greatest(a.parcel_id, b.parcel_id) AS b_id,
       overlap_m2(a.geom, b.geom) AS area_m2,
       overlap_planar_m2(a.geom, b.geom, (SELECT proj FROM frame)) AS area_tm_m2,
       least(pa.area_m2, pb.area_m2) AS smaller_m2
  FROM public.:tbl a
  JOIN public.:tbl b ON a.geom && b.geom AND a.ogr_fid < b.ogr_fid AND ST_Intersects(a.geom, b.geom)
                     AND NOT ST_Touches(a.geom, b.geom) -- only boundaries in common: zero area, skip the overlay
  JOIN parcels pa ON pa.ogr_fid = a.ogr_fid
  JOIN parcels pb ON pb.ogr_fid = b.ogr_fid
 WHERE pa.geos_invalid IS NULL AND pb.geos_invalid IS NULL;
DELETE FROM pairs WHERE area_m2 <= :edge_area AND area_tm_m2 <= :edge_area;

-- For explaining differences only: overlaps of GEOS-invalid parcels (repaired by ST_MakeValid) with any parcel.
CREATE TABLE pairs_invalid AS
WITH bad AS (
  SELECT t.ogr_fid, t.parcel_id, ST_CollectionExtract(ST_MakeValid(t.geom), 3) AS geom
    FROM public.:tbl t JOIN parcels p USING (ogr_fid)
   WHERE p.geos_invalid IS NOT NULL AND t.geom IS NOT NULL AND NOT ST_IsEmpty(t.geom)
), cand AS (
  SELECT a.parcel_id AS a_id, t.parcel_id AS b_id, a.geom AS ag, t.geom AS bg
    FROM bad a JOIN public.:tbl t ON a.geom && t.geom
   WHERE t.ogr_fid NOT IN (SELECT ogr_fid FROM bad)
  UNION ALL
  SELECT a.parcel_id, b.parcel_id, a.geom, b.geom
    FROM bad a JOIN bad b ON a.ogr_fid < b.ogr_fid AND a.geom && b.geom
)
SELECT least(a_id, b_id) AS a_id, greatest(a_id, b_id) AS b_id, overlap_m2(ag, bg) AS area_m2
  FROM cand
 WHERE ST_Intersects(ag, bg) AND NOT ST_Touches(ag, bg);
DELETE FROM pairs_invalid WHERE area_m2 IS NOT NULL AND area_m2 <= :edge_area;

-- Holes in the union of the parcels (GEOS-invalid ones repaired by ST_MakeValid, as the contract's `gap` says),
-- less any parcel lying inside a hole; every hole whose area is above edge_area and up to max_gap_band m2 (the
-- rule's 50 m2 and a band above it). area_m2: ellipsoidal area of the lon/lat hole (the reference); area_tm_m2:
-- planar area of the same hole in thuadat's transverse Mercator.
-- parcel_ids: the parcels within 1 mm of the hole, measured in that frame (thuadat's `CONTACT`).
CREATE TABLE gaps AS
WITH cover AS (
  SELECT t.ogr_fid, t.parcel_id,
         CASE WHEN p.geos_invalid IS NULL THEN t.geom ELSE ST_CollectionExtract(ST_MakeValid(t.geom), 3) END AS geom
    FROM public.:tbl t JOIN parcels p USING (ogr_fid)
   WHERE t.geom IS NOT NULL AND NOT ST_IsEmpty(t.geom)
), u AS (
  SELECT ST_Union(geom) AS g FROM cover
), polys AS (
  SELECT (ST_Dump(g)).geom AS p FROM u
), rings AS (
  SELECT ST_MakePolygon(ST_InteriorRingN(p, n)) AS h FROM polys, generate_series(1, ST_NumInteriorRings(p)) AS n
), kept AS (
  SELECT h, ST_Area(h::geography, true) AS ring_m2 FROM rings
), holes AS (
  SELECT h,
         coalesce(ST_Difference(h, (SELECT ST_Union(c.geom) FROM cover c WHERE c.geom && h AND ST_Within(c.geom, h))),
                  h) AS g
    FROM kept WHERE ring_m2 > :edge_area AND ring_m2 <= 3 * 60
)
SELECT ST_Area(g::geography, true) AS area_m2,
       ST_Area(ST_Transform(g, f.proj)) AS area_tm_m2,
       (SELECT string_agg(c.parcel_id, ' ' ORDER BY c.parcel_id COLLATE "C")
          FROM cover c
         WHERE c.geom && ST_Expand(h, 1e-6)
           AND ST_DWithin(ST_Transform(c.geom, f.proj), ST_Transform(ST_ExteriorRing(h), f.proj), 0.001)
           AND NOT ST_Within(c.geom, h)) AS parcel_ids,
       ST_AsText(ST_PointOnSurface(g)) AS point
  FROM holes, frame f;
DELETE FROM gaps WHERE area_m2 <= :edge_area OR area_m2 > 60;

//! After an edit (certificates, parcels; `serve --db`): the commune checked again and the served data changed,
//! before the answer. The server keeps the commune live ([`Live`]): an edit is re-checked incrementally (only
//! what it can affect) and only the conflicts it changed are written back to the store
//! ([`crate::store::sync_found`]). When this server has not seen every edit before this one (its first edit,
//! or another server edited meanwhile), the commune is read back from the store and checked whole instead
//! ([`crate::store::recheck`]), and kept live from then on. Either way the other servers are told
//! (`pg_notify`) and replay the edit in their own live commune.
//!
//! The served data follow in place: the server keeps a spare copy of them, brings it up to date with what the
//! edit touched ([`Source::sync`]) once no request reads it any more, and swaps it in; the copy swapped out
//! becomes the spare and catches up at the next edit. Only when that cannot be done (the first edit builds the
//! spare; a whole re-check) are the served data built whole.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::edit::no_store;
use super::error::json_error;
use super::review::unavailable;
use super::source::Source;
use super::sync::Touched;
use super::AppState;
use crate::dataset::parcels::{RawFeature, RawGeometry, RawValue};
use crate::live::{Delta, Live, LiveEdit};
use crate::store::edit::parcel::ParcelFields;

/// The live commune of a server of the store (None until its first edit, and after a reload), and the spare
/// copy of the served data with what it lacks.
#[derive(Default)]
pub(crate) struct Kept {
    live: Option<Live>,
    spare: Option<(Arc<Source>, Touched)>,
}

impl Kept {
    /// Forgets the live commune and the spare (a reload, an edit that could not be followed).
    pub(crate) fn forget(&mut self) {
        self.live = None;
        self.spare = None;
    }
}

/// A server's [`Kept`], one edit at a time.
pub(crate) type LiveSlot = tokio::sync::Mutex<Kept>;

/// How long an edit waits for the requests still reading the spare copy before it copies the served data anew.
const SPARE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// At most this many status changes are listed in an edit's answer.
const MAX_STATUSES: usize = 1000;

/// Re-checks after the edits `edits`, the last of which is the commune's version `version`, syncs the store,
/// brings the served data up to date and tells the other servers. Answers `{"conflicts": {present, opened,
/// vanished, reappeared, opened_ids, closed_ids}, "statuses": [{id, status, was}], "recheck": "incremental" |
/// "whole", "served_data": "in place" | "whole", "timings_ms"}` (statuses of parcels that changed; new ones with
/// `was` null, retired ones with `status` null), or the error response.
pub(super) async fn after_edit(
    state: &Arc<AppState>,
    version: i64,
    edits: Vec<LiveEdit>,
    by: &str,
) -> Result<Value, Response> {
    let Some((pool, code)) = state.store.as_ref() else { return Err(no_store()) };
    let mut kept = state.live.lock().await;
    let first = version - edits.len() as i64 + 1;
    // Without a live commune yet: the data served, when they hold every edit before these.
    if kept.live.is_none() && state.edit_version.load(std::sync::atomic::Ordering::SeqCst) == first - 1 {
        start_from_served(state, &mut kept, first - 1).await;
    }
    // What the served data lack: other servers' edits replayed here, then these.
    let mut touched = Touched::default();
    // Other servers' edits since this one's last: replayed first, as they were written.
    if let Some(l) = kept.live.as_mut() {
        if l.version < first - 1 && !replay(pool, code, l, first - 1, &mut touched).await {
            kept.forget();
        }
    }
    let knows = |l: &Live| {
        l.version == first - 1
            && edits.iter().all(|e| match e {
                LiveEdit::Certificate { cert_id, .. } => l.knows_certificate(cert_id),
                LiveEdit::Parcel { .. } | LiveEdit::Holder { .. } => true,
            })
    };
    let started = std::time::Instant::now();
    let mut store_ms = 0.0;
    // An edit the live commune cannot take (it is left half-changed): the whole re-check below.
    let delta = match kept.live.as_mut().filter(|l| knows(l)).map(|l| l.apply(&edits)) {
        Some(Ok(delta)) => Some(delta),
        Some(Err(e)) => {
            tracing::warn!("commune {code}: edit {version} not re-checked incrementally ({e}); checked whole");
            kept.forget();
            None
        }
        None => None,
    };
    let mut whole = false;
    let mut answer = match (kept.live.as_mut(), delta) {
        (Some(l), Some(delta)) => {
            let rechecked_ms = started.elapsed().as_secs_f64() * 1000.0;
            l.version = version;
            touched.add(&delta);
            let found: Vec<crate::conflict::Conflict> =
                delta.found.iter().filter_map(|id| l.conflict(id).cloned()).collect();
            let present = l.conflict_count() as u64;
            let synced =
                crate::store::sync_found(pool, code, &l.dataset, &found, &delta.closed, present, version, by).await;
            store_ms = started.elapsed().as_secs_f64() * 1000.0 - rechecked_ms;
            let synced = match synced {
                Ok(s) => s,
                Err(e) => {
                    // The edit is stored, its re-check not: the next edit checks the commune whole.
                    kept.forget();
                    return Err(unavailable(e));
                }
            };
            let answer = answer_of(l, &delta, synced.unwrap_or_default(), "incremental");
            if synced.is_none() {
                // Another server edited since: it checks the commune whole and syncs it; this live copy is
                // behind, and goes (the data served are loaded again when its edit is announced).
                tracing::info!(
                    "commune {code}: edited elsewhere since version {version}; checked whole at the next edit"
                );
                kept.forget();
            }
            answer
        }
        _ => {
            let url = state.config.store.as_ref().map(|s| s.url.clone()).ok_or_else(no_store)?;
            let (by_owned, code_owned) = (by.to_string(), code.clone());
            let rechecked =
                tokio::task::spawn_blocking(move || crate::store::recheck(&url, &code_owned, &by_owned)).await;
            let (checked, sync, _) = match rechecked {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => return Err(unavailable(e)),
                Err(_) => {
                    return Err(json_error(StatusCode::INTERNAL_SERVER_ERROR, "the check after the edit stopped"))
                }
            };
            let old = state.source();
            let mut l = Live::new(checked);
            l.version = version;
            let answer = whole_answer(&old, &l, sync);
            kept.forget();
            kept.live = Some(l);
            whole = true;
            answer
        }
    };
    // Times of the steps, in the answer (the benchmark reads them).
    let recheck_ms = started.elapsed().as_secs_f64() * 1000.0 - store_ms;
    let served_from = std::time::Instant::now();
    let served = if kept.live.is_none() {
        "not yet"
    } else if !whole && serve_in_place(state, pool, code, &mut kept, touched).await {
        "in place"
    } else {
        // The served data built whole from the live commune. A live commune checked whole has every parcel in
        // the place the new data have it; after a failed sync it may not (retired parcels leave the data
        // served), and starts again from them at the next edit.
        let snapshot = kept.live.as_ref().map(Live::snapshot);
        if whole {
            kept.spare = None;
        } else {
            kept.forget();
        }
        if let Some(checked) = snapshot {
            swap(state, pool, code, checked).await?;
        }
        "whole"
    };
    drop(kept);
    let round = |ms: f64| (ms * 100.0).round() / 100.0;
    answer["served_data"] = json!(served);
    answer["timings_ms"] = json!({
        "recheck": round(recheck_ms), "store": round(store_ms),
        "served": round(served_from.elapsed().as_secs_f64() * 1000.0),
    });
    // The other servers of the store replay the edit when told (`follow_edits`); this one is current.
    state.edit_version.fetch_max(version, std::sync::atomic::Ordering::SeqCst);
    let told = sqlx::query("SELECT pg_notify($1, $2)")
        .bind(super::EDITS_CHANNEL)
        .bind(format!("{code} {version}"))
        .execute(pool)
        .await;
    if let Err(e) = told {
        tracing::warn!("edit {version} of commune {code} saved, but the other servers were not told: {e}");
    }
    Ok(answer)
}

/// Brings the spare copy of the served data up to date with the live commune (what it lacked and `touched`),
/// with the review statuses of the conflicts it took again, and swaps it in; the copy swapped out becomes the
/// spare, lacking `touched`. False when that could not be done (the caller serves the data whole).
async fn serve_in_place(
    state: &Arc<AppState>,
    pool: &sqlx::PgPool,
    code: &str,
    kept: &mut Kept,
    touched: Touched,
) -> bool {
    let (mut spare, mut todo) = match kept.spare.take() {
        Some((spare, mut lacking)) => {
            lacking.merge(&touched);
            (spare, lacking)
        }
        None => (copy_served(state).await, touched.clone()),
    };
    // The requests that read it while it was served finish first (they took it before the last swap).
    let waited = std::time::Instant::now();
    while Arc::get_mut(&mut spare).is_none() {
        if waited.elapsed() > SPARE_WAIT {
            tracing::info!("commune {code}: the spare copy is still read after {SPARE_WAIT:?}; copying anew");
            spare = copy_served(state).await;
            todo = touched.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let (Some(live), Some(copy)) = (kept.live.as_ref(), Arc::get_mut(&mut spare)) else { return false };
    if let Err(e) = copy.sync(live, &todo) {
        tracing::warn!("commune {code}: the served data could not follow the edit in place ({}); built whole", e.0);
        return false;
    }
    // A conflict found again after it vanished has the review status the store keeps for it.
    let ids: Vec<&str> = todo.conflict_ids().filter(|id| live.conflict(id).is_some()).collect();
    match crate::store::review::statuses_of_ids(pool, code, &ids).await {
        Ok(reviews) => {
            copy.apply_reviews(reviews.iter().map(|(id, status)| (id.as_str(), *status)));
        }
        Err(e) => {
            tracing::warn!("commune {code}: review statuses not read ({e}); the served data are built whole");
            return false;
        }
    }
    let old = state.swap_source(spare);
    kept.spare = Some((old, touched));
    true
}

/// A copy of the data served now, made off the async threads.
async fn copy_served(state: &Arc<AppState>) -> Arc<Source> {
    let current = state.source();
    match tokio::task::spawn_blocking(move || current.duplicate()).await {
        Ok(copy) => Arc::new(copy),
        Err(_) => Arc::new(state.source().duplicate()),
    }
}

/// With `serve --db`, right after the data are served: the live commune and the spare copy are made ready in
/// the background, so that the first edit is answered as fast as the next ones (an edit that comes before
/// waits for them). Answers how long it took, or None when there was nothing to do.
pub(super) async fn prepare(state: Arc<AppState>) -> Option<std::time::Duration> {
    state.store.as_ref()?;
    let started = std::time::Instant::now();
    let mut kept = state.live.lock().await;
    if kept.live.is_some() {
        return None;
    }
    let version = state.edit_version.load(std::sync::atomic::Ordering::SeqCst);
    if !start_from_served(&state, &mut kept, version).await {
        return None;
    }
    kept.spare = Some((copy_served(&state).await, Touched::default()));
    Some(started.elapsed())
}

/// Starts the live commune (the spare copy goes with the old one) from the data served, which hold the edits
/// up to `version`; false when it could not be built.
async fn start_from_served(state: &Arc<AppState>, kept: &mut Kept, version: i64) -> bool {
    kept.forget();
    let checked = state.source().checked.clone();
    match tokio::task::spawn_blocking(move || Live::new(checked)).await {
        Ok(mut l) => {
            l.version = version;
            kept.live = Some(l);
            true
        }
        Err(_) => false,
    }
}

/// Sets a conflict's review status in the data served and in the spare copy (one at a time with edits, so
/// that neither copy misses it).
pub(super) async fn set_review(state: &Arc<AppState>, id: &str, status: crate::review::ReviewStatus) {
    let kept = state.live.lock().await;
    state.source().set_review(id, status);
    if let Some((spare, _)) = &kept.spare {
        spare.set_review(id, status);
    }
}

fn conflicts_json(sync: crate::store::ConflictSync, opened: &[String], closed: &[String]) -> Value {
    json!({
        "present": sync.present, "opened": sync.opened, "vanished": sync.vanished, "reappeared": sync.reappeared,
        "opened_ids": opened, "closed_ids": closed,
    })
}

fn answer_of(l: &Live, delta: &Delta, sync: crate::store::ConflictSync, how: &str) -> Value {
    let ps = &l.dataset.parcels;
    let statuses: Vec<Value> = delta
        .statuses
        .iter()
        .take(MAX_STATUSES)
        .map(|&(p, was, now)| json!({"id": ps[p].id.as_str(), "status": now, "was": was}))
        .collect();
    json!({"conflicts": conflicts_json(sync, &delta.opened, &delta.closed), "statuses": statuses, "recheck": how})
}

/// The answer of a whole re-check: what differs between the data served before and the live commune now.
fn whole_answer(old: &Source, l: &Live, sync: crate::store::ConflictSync) -> Value {
    let mut opened: Vec<String> = l
        .conflicts()
        .map(|(id, _)| id)
        .filter(|id| !old.conflict_by_id.contains_key(*id))
        .map(str::to_string)
        .collect();
    let now: rustc_hash::FxHashSet<&str> = l.conflicts().map(|(id, _)| id).collect();
    let mut closed: Vec<String> = old.conflict_ids.iter().filter(|id| !now.contains(id.as_str())).cloned().collect();
    opened.sort();
    closed.sort();
    let status = |src: &Source, i: u32| src.checked.reconciliation.statuses[i as usize].status;
    let mut statuses: Vec<Value> = Vec::new();
    let mut live_ids = rustc_hash::FxHashSet::default();
    for (i, p) in l.dataset.parcels.iter().enumerate() {
        let Some(s) = l.status(i) else { continue };
        live_ids.insert(p.id.as_str());
        let was = old.parcel_by_id.get(p.id.as_str()).map(|&j| status(old, j));
        if was != Some(s.status) {
            statuses.push(json!({"id": p.id.as_str(), "status": s.status, "was": was}));
        }
    }
    for p in old.parcels() {
        if let (false, Some(&j)) = (live_ids.contains(p.id.as_str()), old.parcel_by_id.get(p.id.as_str())) {
            statuses.push(json!({"id": p.id.as_str(), "status": null, "was": status(old, j)}));
        }
    }
    statuses.truncate(MAX_STATUSES);
    json!({"conflicts": conflicts_json(sync, &opened, &closed), "statuses": statuses, "recheck": "whole"})
}

/// A parcel's fields as the raw feature the check reads (None: retired).
pub(super) fn raw_of(f: &ParcelFields) -> Option<RawFeature> {
    if f.retired {
        return None;
    }
    let text = |s: &Option<String>| s.clone().map_or(RawValue::Null, RawValue::Text);
    let int = |n: Option<i64>| n.map_or(RawValue::Null, RawValue::Int);
    Some(RawFeature {
        geometry: f.geometry.clone().map_or(RawGeometry::Missing, RawGeometry::Polygons),
        values: vec![
            text(&f.parcel_id),
            text(&f.commune),
            int(f.sheet),
            int(f.parcel_no),
            text(&f.group),
            text(&f.land_use),
            f.area.map_or(RawValue::Null, RawValue::Real),
            text(&f.parcel_code),
        ],
        position: None,
        defect: None,
    })
}

/// An edit as stored (its `target` and `after`) as the live commune takes it; None when it cannot be read.
fn live_edit_of(target: &str, id: &str, after: &Value) -> Option<LiveEdit> {
    match target {
        "parcel" => {
            let feature = u32::try_from(after.get("feature")?.as_i64()?).ok()?;
            Some(LiveEdit::Parcel { feature, raw: raw_of(&ParcelFields::from_json(after)?) })
        }
        "holder" => Some(LiveEdit::Holder {
            line: u32::try_from(after.get("line")?.as_i64()?).ok()?,
            holder_id: after.get("holder_id")?.as_str()?.to_string(),
            link: after.get("link").and_then(crate::store::edit::holder::link_of),
        }),
        "certificate" => Some(LiveEdit::Certificate {
            cert_id: id.to_string(),
            sheet: after.get("sheet").and_then(Value::as_i64),
            parcel_no: after.get("parcel_no").and_then(Value::as_str).unwrap_or("").to_string(),
            area: after.get("area").and_then(Value::as_f64),
            cancelled: after.get("cancelled").and_then(Value::as_bool).unwrap_or(false),
        }),
        _ => None,
    }
}

/// Brings `live` up to version `through` with the edits stored after its own (another server's), as they
/// were written; false when one cannot be taken (the caller checks or loads the commune whole).
async fn replay(pool: &sqlx::PgPool, code: &str, live: &mut Live, through: i64, touched: &mut Touched) -> bool {
    let Ok(rows) = crate::store::edit::replay(pool, code, live.version, through).await else { return false };
    if rows.len() as i64 != through - live.version {
        return false;
    }
    let mut edits = Vec::with_capacity(rows.len());
    for (_, target, id, after) in &rows {
        match live_edit_of(target, id, after) {
            Some(LiveEdit::Certificate { cert_id, .. }) if !live.knows_certificate(&cert_id) => return false,
            Some(e) => edits.push(e),
            None => return false,
        }
    }
    match live.apply(&edits) {
        Ok(delta) => touched.add(&delta),
        Err(_) => return false,
    }
    live.version = through;
    true
}

/// Another server's edits, up to `version`: replayed in this server's live commune (built from the data
/// served when there is none and they are at the version before), and the served data brought up to date.
/// False when that cannot be done: the caller loads the commune whole.
pub(super) async fn follow(state: &Arc<AppState>, version: i64) -> bool {
    let Some((pool, code)) = state.store.as_ref() else { return false };
    let mut kept = state.live.lock().await;
    if kept.live.is_none() {
        let known = state.edit_version.load(std::sync::atomic::Ordering::SeqCst);
        if known >= version || !start_from_served(state, &mut kept, known).await {
            return false;
        }
    }
    let Some(l) = kept.live.as_mut() else { return false };
    let mut touched = Touched::default();
    if !replay(pool, code, l, version, &mut touched).await {
        kept.forget();
        return false;
    }
    if serve_in_place(state, pool, code, &mut kept, touched).await {
        return true;
    }
    let snapshot = kept.live.as_ref().map(Live::snapshot);
    kept.forget();
    match snapshot {
        Some(checked) => swap(state, pool, code, checked).await.is_ok(),
        None => false,
    }
}

/// Serves `checked`: the review states read from the store, the source built, swapped in.
async fn swap(
    state: &Arc<AppState>,
    pool: &sqlx::PgPool,
    code: &str,
    checked: crate::check::Checked,
) -> Result<(), Response> {
    let reviews = crate::store::review::statuses_of(pool, code).await.map_err(unavailable)?;
    let bytes = state.config.tile_cache_bytes;
    let source = tokio::task::spawn_blocking(move || {
        let source = Source::new(checked, bytes);
        source.apply_reviews(reviews.iter().map(|(id, status)| (id.as_str(), *status)));
        source
    })
    .await
    .map_err(|_| json_error(StatusCode::INTERNAL_SERVER_ERROR, "serving the edit stopped"))?;
    state.reload_with(Ok(source)).map(|_| ()).map_err(|why| json_error(StatusCode::SERVICE_UNAVAILABLE, &why))
}

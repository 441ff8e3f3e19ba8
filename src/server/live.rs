//! After an edit (certificates, parcels; `serve --db`): the commune checked again and the served data swapped,
//! before the answer. The server keeps the commune live ([`Live`]): an edit is re-checked incrementally (only
//! what it can affect) and only the conflicts it changed are written back to the store
//! ([`crate::store::sync_found`]). When this server has not seen every edit before this one (its first edit,
//! or another server edited meanwhile), the commune is read back from the store and checked whole instead
//! ([`crate::store::recheck`]), and kept live from then on. Either way the other servers are told
//! (`pg_notify`) and load the commune again.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::edit::no_store;
use super::error::json_error;
use super::review::unavailable;
use super::source::Source;
use super::AppState;
use crate::live::{Delta, Live, LiveEdit};

/// The live commune of a server of the store (None until its first edit, and after a reload).
pub(crate) type LiveSlot = tokio::sync::Mutex<Option<Live>>;

/// At most this many status changes are listed in an edit's answer.
const MAX_STATUSES: usize = 1000;

/// Re-checks after the edits `edits`, the last of which is the commune's version `version`, syncs the store,
/// swaps the served data and tells the other servers. Answers `{"conflicts": {present, opened, vanished,
/// reappeared, opened_ids, closed_ids}, "statuses": [{id, status, was}], "recheck": "incremental" | "whole"}`
/// (statuses of parcels that changed; new ones with `was` null, retired ones with `status` null), or the
/// error response.
pub(super) async fn after_edit(
    state: &Arc<AppState>,
    version: i64,
    edits: Vec<LiveEdit>,
    by: &str,
) -> Result<Value, Response> {
    let Some((pool, code)) = state.store.as_ref() else { return Err(no_store()) };
    let mut live = state.live.lock().await;
    let first = version - edits.len() as i64 + 1;
    let knows = |l: &Live| {
        l.version == first - 1
            && edits.iter().all(|e| match e {
                LiveEdit::Certificate { cert_id, .. } => l.knows_certificate(cert_id),
                LiveEdit::Parcel { .. } => true,
            })
    };
    let started = std::time::Instant::now();
    let mut store_ms = 0.0;
    let mut answer = match live.as_mut().filter(|l| knows(l)) {
        Some(l) => {
            let delta = l.apply(&edits).map_err(unavailable)?;
            let rechecked_ms = started.elapsed().as_secs_f64() * 1000.0;
            l.version = version;
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
                    *live = None;
                    return Err(unavailable(e));
                }
            };
            let sync = match synced {
                Some(s) => s,
                None => {
                    // Another server edited since: it checks the commune whole and syncs it; this live copy is
                    // behind, and goes.
                    tracing::info!(
                        "commune {code}: edited elsewhere since version {version}; checked whole at the next edit"
                    );
                    Default::default()
                }
            };
            let answer = answer_of(l, &delta, sync, "incremental");
            if synced.is_none() {
                *live = None;
            }
            answer
        }
        None => {
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
            *live = Some(l);
            answer
        }
    };
    // Times of the steps, in the answer (the benchmark reads them).
    let recheck_ms = started.elapsed().as_secs_f64() * 1000.0 - store_ms;
    let served_from = std::time::Instant::now();
    // The served data, from the live commune as it now stands.
    let snapshot = live.as_ref().map(Live::snapshot);
    drop(live);
    if let Some(checked) = snapshot {
        let reviews = crate::store::review::statuses_of(pool, code).await.map_err(unavailable)?;
        let bytes = state.config.tile_cache_bytes;
        let source = tokio::task::spawn_blocking(move || {
            let source = Source::new(checked, bytes);
            source.apply_reviews(reviews.iter().map(|(id, status)| (id.as_str(), *status)));
            source
        })
        .await
        .map_err(|_| json_error(StatusCode::INTERNAL_SERVER_ERROR, "serving the edit stopped"))?;
        if let Err(why) = state.reload_with(Ok(source)) {
            return Err(json_error(StatusCode::SERVICE_UNAVAILABLE, &why));
        }
    }
    let round = |ms: f64| (ms * 100.0).round() / 100.0;
    answer["timings_ms"] = json!({
        "recheck": round(recheck_ms), "store": round(store_ms),
        "served": round(served_from.elapsed().as_secs_f64() * 1000.0),
    });
    // The other servers of the store load the commune again when told (`follow_edits`); this one is current.
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

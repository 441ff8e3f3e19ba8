// The panel of one parcel (or of a conflict with no parcel): its attributes and certificates, each conflict
// with its decision (status and comment, saved with PATCH /conflicts/{id}) and history, and for logins entitled
// to personal data the holders side by side with the population register (GET /parcels/{id}/holders), the
// fields that differ marked, and the officer's confirm / reject of the link.
import { $, el, fill, api, say, busy } from './dom.js';
import { t, kindName, reasonsText, detailText, candidateReason, num, area, when } from './i18n.js';
import { KIND_COLORS, STATUS } from './style.js';

const REVIEWS = ['open', 'acknowledged', 'resolved', 'waived'];

function row(k, v, id) {
  return el('tr', {}, el('th', { scope: 'row' }, k), el('td', id ? { 'data-field': id } : {}, v ?? '—'));
}

/** `ctx`: state (me, store), onReviewed(id, status) after a saved decision, zoomTo(conflict feature). */
export function createPanel(ctx) {
  const canReview = () => Boolean(ctx.state.me && ctx.state.me.role !== 'viewer');
  const seesHolders = canReview;

  /** The decision form and the history of one conflict. */
  function decision(c) {
    const id = c.id;
    if (!canReview()) return ctx.state.me ? null : el('p', { class: 'muted small' }, t('review.readonly'));
    const status = el('select', { 'data-testid': 'review-status', 'aria-label': t('work.review') },
      REVIEWS.map((r) => el('option', { value: r, selected: r === c.status }, t(`review.${r}`))));
    const comment = el('textarea', { 'data-testid': 'review-comment', rows: 2, 'aria-label': t('review.comment'), placeholder: t('review.comment') }, c.status_comment || '');
    const said = el('span', { class: 'muted', 'data-testid': 'review-said', role: 'status' });
    const history = el('ol', { class: 'history', 'data-testid': 'review-history' });
    const loadHistory = async () => {
      try {
        const h = await api(`/conflicts/${encodeURIComponent(id)}/history`);
        // Newest first: decisions (who, when, to what, why) and what imports did (found, gone, back).
        const events = h.history.slice().reverse();
        fill(history, ...(events.length
          ? events.map((e) => (e.event === 'status'
            ? el('li', { 'data-to': e.to },
              el('strong', {}, t(`review.${e.to}`)), ' · ', t('review.by', { who: e.by || '—', when: when(e.at) }),
              e.comment ? el('div', { class: 'comment' }, e.comment) : null)
            : el('li', { 'data-event': e.event, class: 'muted' }, t(`history.${e.event}`), ' · ', t('review.by', { who: e.by || '—', when: when(e.at) }))))
          : [el('li', { class: 'muted' }, t('review.historyEmpty'))]));
      } catch (e) {
        fill(history, el('li', { class: 'bad' }, e.message));
      }
    };
    const details = el('details', { class: 'history-box', ontoggle: (e) => { if (e.target.open) loadHistory(); } }, el('summary', {}, t('review.history')), history);
    // The whole decision (save, history, redraw) counts as one action, so `idle()` waits for all of it.
    const save = busy(async () => {
      const to = status.value;
      try {
        await api(`/conflicts/${encodeURIComponent(id)}`, { method: 'PATCH', body: { status: to, comment: comment.value.trim() || null } });
      } catch (err) {
        said.textContent = t('review.failed', { reason: err.message });
        said.className = 'bad';
        return;
      }
      said.textContent = t('review.saved', { status: t(`review.${to}`) });
      said.className = 'ok';
      const tag = form.closest('li')?.querySelector('.review');
      if (tag) { tag.textContent = t(`review.${to}`); tag.className = `review review-${to}`; tag.dataset.review = to; }
      details.open = true;
      await loadHistory();
      await ctx.onReviewed(id, to);
    });
    const form = el('form', { class: 'decision', 'data-testid': 'review-form', 'data-conflict': id, onsubmit: (e) => {
      e.preventDefault();
      save();
    } },
    el('div', { class: 'inline' }, status, el('button', { type: 'submit', 'data-testid': 'review-save' }, t('review.save'))),
    comment, said, details);
    return form;
  }

  /** One conflict as a list entry of the panel. */
  async function conflictEntry(cid) {
    let f = null;
    try {
      f = ctx.state.me ? await api(`/conflicts/${encodeURIComponent(cid)}`) : await api(`/collections/conflicts/items/${encodeURIComponent(cid)}`);
    } catch {
      // said in the entry
    }
    const p = f ? f.properties : { id: cid, kind: '?', status: 'open' };
    return el('li', { 'data-conflict': cid, 'data-testid': 'parcel-conflict' },
      el('span', { class: 'swatch kind-swatch', style: `border-color:${KIND_COLORS[p.kind] || '#000'}` }),
      f && f.geometry ? el('button', { type: 'button', class: 'link', onclick: () => ctx.zoomTo(f) }, kindName(p.kind)) : el('span', {}, kindName(p.kind)),
      ' ', el('span', { class: `review review-${p.status}`, 'data-review': p.status }, t(`review.${p.status}`)),
      detailText(p.kind, p.measure, p.detail, p) ? el('div', { class: 'muted small', 'data-testid': 'conflict-detail' }, detailText(p.kind, p.measure, p.detail, p)) : null,
      f ? decision({ id: cid, status: p.status, status_comment: p.status_comment }) : el('div', { class: 'bad' }, cid));
  }

  /** The holders of a parcel beside the register's records. */
  async function holders(parcelId) {
    const box = el('section', { class: 'holders', 'data-testid': 'holder-comparison' }, el('h3', {}, t('holders.title')));
    let doc;
    try {
      doc = await api(`/parcels/${encodeURIComponent(parcelId)}/holders`);
    } catch (e) {
      box.append(el('p', { class: 'bad' }, t('holders.failed', { reason: e.message })));
      return box;
    }
    if (!doc.holders.length) {
      box.append(el('p', { class: 'muted' }, t('parcel.noCert')));
      return box;
    }
    for (const h of doc.holders) box.append(holderCard(parcelId, h));
    return box;
  }

  function holderCard(parcelId, h) {
    const differs = new Set(h.differs || []);
    const reg = h.register;
    const line = (label, field, mine, theirs) => el('tr', { class: differs.has(field) ? 'differs' : '', 'data-field': field },
      el('th', { scope: 'row' }, label),
      el('td', { 'data-side': 'certificate' }, mine ?? '—'),
      el('td', { 'data-side': 'register' }, reg ? theirs ?? '—' : ''),
      el('td', { class: 'mark' }, differs.has(field) ? el('span', { class: 'bad', title: t('holders.differs') }, '≠') : ''));
    const link = h.linkage;
    const said = el('span', { role: 'status', class: 'muted', 'data-testid': 'holder-decision' },
      h.decision ? `${t(`holders.${h.decision.decision}`)} · ${t('review.by', { who: h.decision.by, when: when(h.decision.at) })}` : '');
    const decide = busy(async (d) => {
      try {
        const updated = await api(`/parcels/${encodeURIComponent(parcelId)}/holders/${h.line}`, { method: 'PUT', body: { decision: d } });
        card.replaceWith(holderCard(parcelId, updated));
      } catch (e) {
        said.textContent = e.message;
        said.className = 'bad';
      }
    });
    const actionable = link && ['mismatch', 'matched_by_attributes'].includes(link.status);
    // Officers record the holder's current 12-digit id (read from the card): the holder is linked again and
    // the commune checked again at once.
    const edits = ctx.state.me && ['admin', 'officer'].includes(ctx.state.me.role);
    const idInput = el('input', {
      type: 'text', inputmode: 'numeric', pattern: '[0-9]{12}', maxlength: '12', required: '',
      'aria-label': t('holders.newId'), placeholder: t('holders.newId'), 'data-testid': 'holder-id-input',
    });
    // One action for `idle()`: the edit, the map and lists redrawn, this panel again.
    const setHolderId = busy(async () => {
      try {
        const done = await api(`/parcels/${encodeURIComponent(parcelId)}/holders/${h.line}`, {
          method: 'PATCH', headers: { 'If-Match': h.etag }, body: { holder_id: idInput.value.trim() },
        });
        const message = el('p', { role: 'status', class: 'ok', 'data-testid': 'holder-id-said' },
          t('holders.idSet', { status: t(`link.${done.holder.linkage ? done.holder.linkage.status : 'not_found'}`), vanished: done.conflicts.vanished, opened: done.conflicts.opened }));
        // The parcel's status may have changed: the map, the lists and this panel again.
        await ctx.onEdited(parcelId);
        await showParcel(parcelId);
        const again = document.querySelector(`.holder[data-line="${h.line}"]`);
        if (again) again.append(message);
      } catch (e) {
        said.textContent = t('holders.idFailed', { reason: e.message });
        said.className = 'bad';
      }
    });
    const setId = edits
      ? el('form', { class: 'inline holder-id', 'data-testid': 'holder-id-form', onsubmit: (ev) => {
        ev.preventDefault();
        setHolderId();
      } }, idInput, el('button', { type: 'submit', 'data-testid': 'holder-id-save' }, t('holders.setId')))
      : null;
    const card = el('div', { class: 'holder', 'data-line': h.line, 'data-cert': h.cert_id },
      el('div', { class: 'holder-head' }, el('strong', {}, h.cert_id), link ? ` · ${t(`link.${link.status}`)}` : '', link && link.score !== null && link.score !== undefined ? ` · ${t('holders.score', { score: num(link.score, 2) })}` : ''),
      el('table', { class: 'compare' },
        el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', { scope: 'col' }, t('holders.cert')), el('th', { scope: 'col' }, t('holders.register')), el('th', {}, ''))),
        el('tbody', {},
          line(t('holders.name'), 'name', h.name, reg && reg.name),
          line(t('holders.id'), 'holder_id', h.holder_id, reg && reg.citizen_id),
          line(t('holders.birth'), 'birth', h.birth, reg && reg.birth),
          line(t('holders.address'), 'address', h.address, reg && reg.address))),
      reg ? null : el('p', { class: 'muted small' }, t('holders.noRecord')),
      // A namesake the register has under another current id: named for the officer, never taken.
      h.candidate
        ? el('p', { class: 'small', 'data-testid': 'holder-candidate' }, t('holders.namesake', {
          name: h.candidate.name ?? '—', birth: h.candidate.birth ?? '—', id: h.candidate.citizen_id ?? '—', address: h.candidate.address ?? '—',
        }))
        : null,
      actionable || h.decision
        ? el('div', { class: 'inline holder-actions' },
          el('button', { type: 'button', 'data-testid': 'holder-confirm', onclick: () => decide('confirmed') }, t('holders.confirm')),
          el('button', { type: 'button', 'data-testid': 'holder-reject', onclick: () => decide('rejected') }, t('holders.reject')),
          said)
        : said,
      setId);
    return card;
  }

  async function showParcel(id) {
    let f;
    try {
      f = await api(`/collections/parcels/items/${encodeURIComponent(id)}`);
    } catch (e) {
      say(e.status === 404 ? t('parcel.none', { id }) : t('parcel.failed', { reason: e.message }), 'error');
      return null;
    }
    const p = f.properties;
    const box = $('parcel');
    const certs = p.certificates || [];
    const conflictIds = (p.conflict_ids || '').split(';').filter(Boolean);
    const entries = await Promise.all(conflictIds.map(conflictEntry));
    const codes = (p.land_use || '').split('+').filter(Boolean);
    // The dataset's own `[rules] no_certificate_land_use` (from /health), as the check applies it.
    const exempt = (ctx.state.health.no_certificate_land_use || []).map((c) => c.trim().toUpperCase());
    const noCertNeeded = codes.length && codes.every((c) => exempt.includes(c.trim().toUpperCase()));
    box.hidden = false;
    fill(box, 
      el('button', { type: 'button', class: 'close', onclick: () => ctx.clear(), 'aria-label': t('close') }, '×'),
      el('h2', { id: 'parcel-title' }, t('parcel.title', { sheet: p.sheet ?? '?', number: p.parcel_no ?? '?' })),
      el('table', { id: 'parcel-table' },
        row(t('parcel.id'), p.id, 'id'),
        row(t('parcel.sheet'), p.sheet, 'sheet'),
        row(t('parcel.number'), p.parcel_no, 'parcel_no'),
        row(t('parcel.landUse'), p.land_use, 'land_use'),
        row(t('parcel.group'), p.group, 'group'),
        p.parcel_code !== undefined && (p.parcel_code !== null || ctx.state.health.parcel_codes) ? row(t('parcel.code'), p.parcel_code, 'parcel_code') : null,
        row(t('parcel.status'), el('span', {}, el('span', { class: `swatch status-swatch-${p.status}`, style: `background:${(STATUS[p.status] || {}).fill}` }), t(`status.${p.status}`), p.reasons ? el('div', { class: 'muted small', 'data-field': 'reasons' }, reasonsText(p.reasons)) : null), 'status'),
        row(t('parcel.area'), p.area_m2 === null ? null : area(p.area_m2), 'area_m2'),
        row(t('parcel.recorded'), p.recorded_area_m2 === null ? null : area(p.recorded_area_m2), 'recorded_area_m2'),
        row(t('parcel.geometry'), p.valid ? t('parcel.valid') : el('span', { class: 'bad' }, t('parcel.invalid')), 'valid')),
      el('h3', {}, t('parcel.certs', { n: certs.length })),
      certs.length
        ? el('ul', { id: 'parcel-certificates' }, certs.map((c) => el('li', { 'data-cert': c.id }, `${c.id}: ${area(c.area_m2)}, `, c.status === 'ok' ? t('parcel.certOk') : el('span', { class: 'bad' }, t('parcel.certConflict', { n: c.conflict_ids.length })))))
        : el('p', { class: 'muted', id: 'parcel-certificates' }, noCertNeeded ? t('parcel.noCertNeeded', { code: p.land_use }) : t('parcel.noCert')),
      el('h3', {}, t('parcel.conflicts', { n: conflictIds.length })),
      conflictIds.length ? el('ul', { id: 'parcel-conflicts' }, entries) : el('p', { class: 'muted', id: 'parcel-conflicts' }, t('parcel.noConflict')),
      seesHolders() && certs.length ? await holders(p.id) : null,
    );
    return f;
  }

  /** A certificate's likely parcels, each with a way to look at it and, for officers, to re-point the
   *  certificate to it (PATCH /certificates/{id} with If-Match: the commune is checked again at once). */
  async function candidates(item) {
    let f;
    try {
      f = await api(`/collections/conflicts/items/${encodeURIComponent(item.id)}`);
    } catch {
      return null;
    }
    const reasons = (f.properties.candidate_reasons || '').split('|');
    const list = (f.properties.candidates || '').split(';').filter(Boolean).map((c, i) => {
      const at = c.lastIndexOf(':');
      return { id: c.slice(0, at), score: Number(c.slice(at + 1)), reason: reasons[i] || '' };
    });
    const cert = (item.cert_ids || [])[0];
    if (!list.length || !cert) return null;
    const parcels = await Promise.all(list.map((c) => api(`/collections/parcels/items/${encodeURIComponent(c.id)}`).then((p) => p.properties).catch(() => null)));
    const said = el('p', { role: 'status', 'data-testid': 'repoint-said', class: 'muted' });
    const edits = ctx.state.me && ['admin', 'officer'].includes(ctx.state.me.role);
    const repoint = async (p) => {
      try {
        const { etag } = await api(`/certificates/${encodeURIComponent(cert)}`, { withTag: true });
        const done = await api(`/certificates/${encodeURIComponent(cert)}`, {
          method: 'PATCH', headers: { 'If-Match': etag }, body: { sheet: p.sheet, parcel_no: String(p.parcel_no) },
        });
        said.textContent = t('repoint.done', { cert, label: `${p.sheet}/${p.parcel_no}`, vanished: done.conflicts.vanished, opened: done.conflicts.opened });
        said.className = 'ok';
        await ctx.onEdited(p.id);
      } catch (e) {
        said.textContent = t('repoint.failed', { reason: e.message });
        said.className = 'bad';
      }
    };
    return el('section', { 'data-testid': 'candidates' },
      el('h3', {}, t('repoint.title', { cert })),
      el('ul', {}, list.map((c, i) => {
        const p = parcels[i];
        const label = p ? `${p.sheet}/${p.parcel_no}` : c.id;
        return el('li', { 'data-parcel': c.id },
          el('button', { type: 'button', class: 'link', onclick: () => ctx.look(c.id) }, t('parcel.title', { sheet: p ? p.sheet : '?', number: p ? p.parcel_no : '?' })),
          el('span', { class: 'muted' }, ` · ${t('holders.score', { score: num(c.score, 2) })}`),
          c.reason ? el('div', { class: 'muted small', 'data-testid': 'candidate-reason' }, candidateReason(c.reason)) : null,
          edits && p ? el('button', { type: 'button', 'data-testid': 'repoint', onclick: () => repoint(p) }, t('repoint.button', { label })) : null);
      })),
      said);
  }

  /** A conflict shown by itself: a certificate that points at no mapped parcel, with its likely parcels. */
  async function showConflict(item) {
    const box = $('parcel');
    box.hidden = false;
    fill(box,
      el('button', { type: 'button', class: 'close', onclick: () => ctx.clear(), 'aria-label': t('close') }, '×'),
      el('h2', { id: 'parcel-title' }, kindName(item.kind)),
      el('p', {}, (item.cert_ids || []).map((c) => t('work.cert', { id: c })).join(', ')),
      el('ul', { id: 'parcel-conflicts' }, await conflictEntry(item.id)),
      item.kind === 'unmatched_certificate' ? await candidates(item) : null,
    );
  }

  return { showParcel, showConflict };
}

// The work list of a residential group (GET /work): its conflicts and the parcels needing work that no
// conflict names; filters (the kind ticks filter the map too), search, sort, pages of 50, the group's progress,
// and next/previous through the whole list with the map following.
import { $, el, fill, api, say, busy } from './dom.js';
import { t, kindName, num } from './i18n.js';
import { KIND_COLORS, STATUS } from './style.js';

export const PAGE = 50;
export const KINDS = Object.keys(KIND_COLORS);

/**
 * The list's state and its drawing. `ctx` gives `state` (group, kindsOn, notLocated), `onOpen(item)` (select
 * it on the map and in the panel) and `onKinds()` (the kind ticks changed: refilter the map).
 */
export function createWorkList(ctx) {
  const w = {
    doc: null, // the last /work answer
    offset: 0,
    index: -1, // the open item's position in the whole filtered list
    filters: { severity: '', status: '', review: '', q: '', sort: 'severity' },
    parcelsOn: true,
    seq: 0,
  };

  function query(offset) {
    const p = new URLSearchParams();
    const { state } = ctx;
    if (state.notLocated) p.set('not_located', 'true');
    else if (state.group) p.set('group', state.group);
    const allKinds = state.kindsOn.length === KINDS.length && w.parcelsOn;
    if (!allKinds) p.set('kind', [...state.kindsOn, ...(w.parcelsOn ? ['parcel'] : [])].join(',') || 'none');
    for (const k of ['severity', 'status', 'review', 'q']) if (w.filters[k]) p.set(k, w.filters[k]);
    if (w.filters.sort !== 'severity') p.set('sort', w.filters.sort);
    p.set('limit', String(PAGE));
    p.set('offset', String(offset));
    return `/work?${p}`;
  }

  /** Loads the page at `offset` (0 unless given) and draws the list. */
  const load = busy(async (offset = 0) => {
    const seq = ++w.seq;
    let doc;
    try {
      const q = query(offset);
      // `kind=none`: every kind switched off — an empty list without asking.
      doc = q.includes('kind=none') ? emptyDoc(offset) : await api(q);
    } catch (e) {
      if (seq !== w.seq) return;
      say(t('work.failed', { reason: e.message }), 'error');
      return;
    }
    if (seq !== w.seq) return; // a newer request won
    w.doc = doc;
    w.offset = offset;
    render();
  });

  function emptyDoc(offset) {
    const prev = w.doc || { progress: { conflicts: 0, reviewed: 0, parcels: 0, by_kind: {}, by_review: {} }, total: 0 };
    return { ...prev, matched: 0, offset, returned: 0, items: [] };
  }

  function itemLabel(item) {
    const p = item.parcel;
    const where = p ? `${p.sheet ?? '?'}/${p.parcel_no ?? '?'}` : item.cert_ids && item.cert_ids.length ? t('work.cert', { id: item.cert_ids[0] }) : item.id;
    return where;
  }

  function itemRow(item, i) {
    const at = w.offset + i;
    const kind = item.type === 'conflict' ? kindName(item.kind) : t('work.parcelEntry');
    const colour = item.type === 'conflict' ? KIND_COLORS[item.kind] || '#000' : (STATUS[item.parcel?.status] || {}).fill;
    const detail = [];
    if (item.located_by === 'candidate') detail.push(t('work.candidate', { label: `${item.parcel.sheet}/${item.parcel.parcel_no}` }));
    if (item.type === 'parcel' && item.reasons) detail.push(item.reasons.split(';').map(kindName).join(', '));
    if (!item.bbox) detail.push(t('work.noPlace'));
    const li = el('li', { 'data-testid': 'work-item', 'data-id': item.id, 'data-type': item.type, 'data-index': at, class: at === w.index ? 'current' : '' },
      el('button', { type: 'button', class: 'work-open', 'aria-current': at === w.index ? 'true' : false, onclick: () => open(at) },
        el('span', { class: 'swatch', style: `background:${colour}` }),
        el('span', { class: 'work-where' }, itemLabel(item)),
        el('span', { class: 'work-kind' }, kind),
        item.type === 'conflict' ? el('span', { class: `review review-${item.review}`, 'data-review': item.review }, t(`review.${item.review}`)) : null,
        item.parcel ? el('span', { class: `status-tag status-${item.parcel.status}` }, t('status.short', { n: item.parcel.status })) : null,
        detail.length ? el('span', { class: 'muted work-detail' }, detail.join(' · ')) : null,
      ));
    return li;
  }

  function select(name, key, options) {
    const s = el('select', { id: `work-${key}`, 'data-testid': `work-filter-${key}`, onchange: (e) => { w.filters[key] = e.target.value; w.index = -1; load(0); } },
      options.map(([v, label]) => el('option', { value: v, selected: w.filters[key] === v }, label)));
    return el('label', { class: 'field' }, name, s);
  }

  function render() {
    const box = $('work');
    const { state } = ctx;
    const d = w.doc;
    const title = state.notLocated ? t('work.notLocated') : state.group || t('group.all');
    const pr = d.progress;
    const kindBoxes = KINDS.map((k) => {
      const n = pr.by_kind[k] || 0;
      return el('label', { class: 'kind-row', 'data-kind': k },
        el('input', { type: 'checkbox', 'data-kind': k, checked: state.kindsOn.includes(k), onchange: (e) => {
          state.kindsOn = e.target.checked ? [...state.kindsOn, k] : state.kindsOn.filter((x) => x !== k);
          w.index = -1;
          ctx.onKinds();
          load(0);
        } }),
        el('span', { class: 'swatch kind-swatch', style: `border-color:${KIND_COLORS[k]}` }),
        el('span', { class: 'kind-name' }, kindName(k)),
        el('span', { class: 'count' }, num(n, 0)));
    });
    kindBoxes.push(el('label', { class: 'kind-row', 'data-kind': 'parcel' },
      el('input', { type: 'checkbox', 'data-kind': 'parcel', checked: w.parcelsOn, onchange: (e) => { w.parcelsOn = e.target.checked; w.index = -1; load(0); } }),
      el('span', { class: 'swatch', style: `background:${STATUS[2].fill}` }),
      el('span', { class: 'kind-name' }, t('work.parcelEntry')),
      el('span', { class: 'count' }, num(pr.parcels, 0))));
    const from = d.matched ? d.offset + 1 : 0;
    const to = d.offset + d.items.length;
    const nav = el('div', { class: 'work-nav' },
      el('button', { type: 'button', 'data-testid': 'work-prev', disabled: w.index <= 0, onclick: () => open(w.index - 1) }, t('work.prev')),
      el('span', { class: 'muted', 'data-testid': 'work-position' }, w.index >= 0 ? t('work.position', { i: num(w.index + 1, 0), n: num(d.matched, 0) }) : ''),
      el('button', { type: 'button', 'data-testid': 'work-next', disabled: w.index + 1 >= d.matched, onclick: () => open(w.index + 1) }, t('work.next')));
    fill(box, 
      el('h2', { id: 'work-title' }, `${t('work.title')} · ${title}`),
      el('div', { class: 'progress', 'data-testid': 'work-progress', 'data-done': pr.reviewed, 'data-all': pr.conflicts },
        el('progress', { max: Math.max(1, pr.conflicts), value: pr.reviewed }),
        el('span', {}, t('work.progress', { done: num(pr.reviewed, 0), all: num(pr.conflicts, 0) })),
        pr.parcels ? el('span', { class: 'muted' }, ` · ${t('work.parcelsToo', { n: num(pr.parcels, 0) })}`) : null),
      el('form', { class: 'work-search', role: 'search', onsubmit: (e) => { e.preventDefault(); w.filters.q = e.target.elements.q.value.trim(); w.index = -1; load(0); } },
        el('input', { name: 'q', type: 'search', value: w.filters.q, placeholder: t('work.search'), 'aria-label': t('work.search'), 'data-testid': 'work-search' }),
        el('button', { type: 'submit' }, t('find.submit'))),
      el('details', { class: 'work-filters', open: window.innerWidth >= 700 },
        el('summary', {}, t('work.kinds')),
        el('div', { class: 'kinds', 'data-testid': 'work-kinds' }, kindBoxes),
        el('div', { class: 'selects' },
          select(t('work.severity'), 'severity', [['', t('work.any')], ['error', t('severity.error')], ['warning', t('severity.warning')]]),
          select(t('work.status'), 'status', [['', t('work.any')], ...[1, 2, 3].map((s) => [String(s), t(`status.${s}`)])]),
          select(t('work.review'), 'review', [['', t('work.any')], ...['open', 'acknowledged', 'resolved', 'waived'].map((r) => [r, t(`review.${r}`)])]),
          select(t('work.sort'), 'sort', ['severity', 'number', 'kind', 'review'].map((s) => [s, t(`work.sort.${s}`)])))),
      nav,
      d.items.length
        ? el('ul', { id: 'work-list', 'data-testid': 'work-list' }, d.items.map(itemRow))
        : el('p', { class: 'muted', id: 'work-list', 'data-testid': 'work-list' }, t('work.empty')),
      el('div', { class: 'pager' },
        el('button', { type: 'button', 'data-testid': 'work-prev-page', disabled: d.offset === 0, onclick: () => load(Math.max(0, d.offset - PAGE)) }, t('work.prevPage')),
        el('span', { 'data-testid': 'work-page' }, t('work.page', { from: num(from, 0), to: num(to, 0), n: num(d.matched, 0) })),
        el('button', { type: 'button', 'data-testid': 'work-next-page', disabled: to >= d.matched, onclick: () => load(d.offset + PAGE) }, t('work.nextPage'))),
    );
  }

  /** Opens the item at position `at` of the whole filtered list (loading its page first). */
  const open = busy(async (at) => {
    if (!w.doc || at < 0 || at >= w.doc.matched) return;
    const pageStart = Math.floor(at / PAGE) * PAGE;
    if (pageStart !== w.offset) await load(pageStart);
    const item = w.doc.items[at - w.offset];
    if (!item) return;
    w.index = at;
    render();
    const row = document.querySelector(`#work-list [data-index="${at}"]`);
    if (row && window.innerWidth >= 700) row.scrollIntoView({ block: 'nearest' });
    await ctx.onOpen(item);
  });

  /** The item whose conflict or parcel is `id`, if it is on the loaded page: keeps next/previous in step when a
   *  parcel is opened from the map. */
  function follow(parcelId) {
    if (!w.doc) return;
    const i = w.doc.items.findIndex((it) => it.parcel && it.parcel.id === parcelId);
    if (i >= 0 && w.index !== w.offset + i) {
      w.index = w.offset + i;
      render();
    }
  }

  /** A review changed an item's state: the progress and the row follow (without losing the place). */
  async function refresh() {
    const keep = w.index;
    await load(w.offset);
    w.index = keep;
    if (w.doc) render();
  }

  return { load, open, follow, refresh, reset: () => { w.index = -1; w.doc = null; }, get current() { return w.doc && w.index >= 0 ? w.doc.items[w.index - w.offset] : null; } };
}

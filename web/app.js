// The explorer: its state lives in the address (entity, as-of day, filters, path ends), so a
// link shows what its sender saw. Each view draws itself from that state.

import { gql, onVersion, subscribe } from './api.js';
import { h, fill, words } from './dom.js';
import { setupSearch } from './search.js';
import { renderEntity } from './entity.js';
import { renderPaths } from './paths.js';
import { renderConsole } from './console.js';
import { setupTime, showTime } from './time.js';

/** What is on screen, as the address says it. */
export const state = {
  view: 'explore',
  entity: null,
  asOf: null,
  possible: false,
  kinds: [],
  expanded: [],
  from: null,
  to: null,
};

function readAddress() {
  const p = new URLSearchParams(location.search);
  const list = (name) => (p.get(name) || '').split(',').filter(Boolean);
  state.view = location.pathname === '/console' ? 'console' : p.get('view') === 'paths' ? 'paths' : 'explore';
  state.entity = p.get('e');
  state.asOf = p.get('asOf');
  state.possible = p.get('possible') === '1';
  state.kinds = list('kinds');
  state.expanded = list('x');
  state.from = p.get('from');
  state.to = p.get('to');
}

function address() {
  const p = new URLSearchParams();
  if (state.view === 'paths') p.set('view', 'paths');
  if (state.view === 'explore' && state.entity) p.set('e', state.entity);
  if (state.asOf) p.set('asOf', state.asOf);
  if (state.possible) p.set('possible', '1');
  if (state.kinds.length) p.set('kinds', state.kinds.join(','));
  if (state.view === 'explore' && state.expanded.length) p.set('x', state.expanded.join(','));
  if (state.view === 'paths') {
    if (state.from) p.set('from', state.from);
    if (state.to) p.set('to', state.to);
  }
  const query = p.toString().replaceAll('%2C', ',');
  return (state.view === 'console' ? '/console' : '/') + (query ? `?${query}` : '');
}

/** Changes the state, records it in the address (a new history entry unless `replace`), and
 * redraws. */
export function go(changes, { replace = false } = {}) {
  Object.assign(state, changes);
  const next = address();
  if (next !== location.pathname + location.search) {
    history[replace ? 'replaceState' : 'pushState'](null, '', next);
  }
  render();
}

/** The relation filter of the time bar, for every list and drawing. */
export function timeFilter() {
  if (!state.asOf) return {};
  return { asOf: state.asOf, includePossible: state.possible, includePlanned: true, includeEnded: true };
}

/** A link to an entity that opens it in the explorer. */
export function entityLink(entity, label) {
  if (!entity) return null;
  return h(
    'a',
    {
      href: `/?e=${encodeURIComponent(entity.id)}`,
      class: ['entity-link', `k-${entity.kind}`],
      dataset: { id: entity.id },
      onclick: (event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey) return;
        event.preventDefault();
        go({ view: 'explore', entity: entity.id, expanded: [] });
      },
    },
    label ?? entity.name,
  );
}

/** A kind badge. */
export function kindBadge(kind) {
  return h('span', { class: ['kind', `k-${kind}`] }, words(kind));
}

/** A message in place of a view: what went wrong, with the error codes. */
export function problem(error) {
  const codes = error.codes?.length ? ` (${error.codes.join(', ')})` : '';
  return h('p', { class: 'error', role: 'alert' }, `${error.message}${codes}`);
}

let drawing = 0;
/** Draws the view the state names. A newer draw makes an older one's late answers moot. */
export async function render() {
  const mine = ++drawing;
  const main = document.getElementById('main');
  for (const [id, view] of [['nav-explore', 'explore'], ['nav-paths', 'paths'], ['nav-console', 'console']]) {
    const link = document.getElementById(id);
    if (state.view === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.querySelector('.time').hidden = state.view === 'console';
  showTime(state);
  const current = () => mine === drawing;
  try {
    if (state.view === 'console') await renderConsole(main, current);
    else if (state.view === 'paths') await renderPaths(main, current);
    else if (state.entity) await renderEntity(main, current);
    else await renderHome(main, current);
  } catch (error) {
    if (current()) fill(main, problem(error));
  }
}

async function renderHome(main, current) {
  const data = await gql(`{
    stats { entities relations byKind { kind count } }
    ranking(metric: DEGREE, first: 12) { entity { id name kind } score }
  }`);
  if (!current()) return;
  fill(
    main,
    h('section', { class: 'home' },
      h('h1', {}, 'The smartphone market, with the source of every fact'),
      h('p', {}, `${data.stats.entities.toLocaleString()} entities and ${data.stats.relations.toLocaleString()} relations. `,
        'Search above, or start from one of the most connected:'),
      h('ul', { class: 'start' }, data.ranking.map((s) => h('li', {}, entityLink(s.entity), ' ', kindBadge(s.entity.kind),
        h('span', { class: 'muted' }, ` ${s.score} relations`)))),
      h('h2', {}, 'What is here'),
      h('ul', { class: 'counts' }, data.stats.byKind.filter((k) => k.count > 0).map((k) =>
        h('li', {}, kindBadge(k.kind), ` ${k.count.toLocaleString()}`))),
      h('p', { class: 'muted' }, 'Set “As of” to see the market on a day: what was in force, planned or already over. ',
        'Paths finds how two entities are connected, with the evidence for each hop.'),
    ),
  );
}

function showVersion(version, revision) {
  const badge = document.getElementById('version');
  badge.textContent = `data ${version}${revision ? ` · revision ${revision}` : ''}`;
  badge.dataset.version = version;
}

function live() {
  const banner = document.getElementById('live');
  subscribe('subscription { dataChanged { version revision counts { total } } }', (data) => {
    const change = data.dataChanged;
    showVersion(change.version, change.revision);
    const total = change.counts.total;
    banner.hidden = false;
    fill(banner, `The data changed (revision ${change.revision}, ${total} change${total === 1 ? '' : 's'}): `,
      'what is on screen was refreshed. ', h('button', { type: 'button', onclick: () => { banner.hidden = true; } }, 'Dismiss'));
    if (state.view !== 'console') render();
  }, (s) => document.getElementById('version').classList.toggle('live-on', s === 'live'));
}

async function start() {
  readAddress();
  onVersion((v) => {
    if (document.getElementById('version').dataset.version !== v) showVersion(v);
  });
  setupSearch((entity) => go({ view: 'explore', entity: entity.id, expanded: [] }));
  const first = await gql('{ dataStatus { version revision operator } stats { firstYear lastYear } }');
  showVersion(first.dataStatus.version, first.dataStatus.revision);
  setupTime(first.stats, (changes) => go(changes));
  // The console is for operators: everyone, or in production the admins.
  document.getElementById('nav-console').hidden = !first.dataStatus.operator;
  document.getElementById('main').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') document.getElementById('search').focus();
  });
  for (const id of ['home', 'nav-explore', 'nav-paths', 'nav-console']) {
    document.getElementById(id).addEventListener('click', (event) => {
      if (event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      const view = id === 'nav-paths' ? 'paths' : id === 'nav-console' ? 'console' : 'explore';
      go({ view, entity: id === 'home' ? null : state.entity });
    });
  }
  window.addEventListener('popstate', () => {
    readAddress();
    render();
  });
  live();
  await render();
}

start().catch((error) => fill(document.getElementById('main'), problem(error)));

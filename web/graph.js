// The neighbourhood drawn: nodes coloured by kind, edges labelled by relation kind, dashed
// when possibly in force or pending, crossed when over. Click a node to open it, double-click
// it (or focus it and press + or its Expand button) to draw its neighbours too. Every list is
// cut at a bound and says how much it left out.

import { gql } from './api.js';
import { h, s, fill, words } from './dom.js';
import { state, go, timeFilter, problem } from './app.js';
import { OVER } from './entity.js';

/** The most entities drawn around the centre, and around each expanded node. */
const AROUND_CENTRE = 40;
const AROUND_EXPANDED = 20;
/** The most nodes on screen: expanding past it draws no more, and says so. */
const MOST_NODES = 150;

const QUERY = `query Around($id: ID!, $kinds: [RelationKind!], $filter: RelationFilter, $limit: Int!) {
  neighbourhood(center: $id, hops: 1, relationKinds: $kinds, filter: $filter, limit: $limit) {
    nodes { id kind name }
    edges { id from to kind presence relation { status { status } } }
    truncated
  }
  entity(id: $id) { id relations(kinds: $kinds, filter: $filter, first: 1) { totalCount } }
}`;

/** One entity's neighbourhood, of at most `limit` entities; fewer when the server finds that
 * too costly to answer (a hub's neighbours may be related among themselves many times). */
async function around(id, kinds, filter, limit) {
  for (;;) {
    try {
      return await gql(QUERY, { id, kinds, filter, limit });
    } catch (error) {
      if (!error.codes?.includes('LIMIT_EXCEEDED') || limit <= 5) throw error;
      limit = Math.floor(limit / 2);
    }
  }
}

/** Draws `entity`'s neighbourhood (and the expanded nodes') into `panel`. `kinds` are the
 * relation kinds the entity has, offered as filters. */
export async function drawNeighbourhood(panel, entity, kinds, current) {
  const filter = timeFilter();
  const wanted = state.kinds.length ? state.kinds : null;
  const centres = [entity.id, ...state.expanded.filter((id) => id !== entity.id)];
  let answers;
  try {
    answers = await Promise.all(centres.map((id, i) => around(id, wanted, filter, i === 0 ? AROUND_CENTRE : AROUND_EXPANDED)));
  } catch (error) {
    if (current()) fill(panel, problem(error));
    return;
  }
  if (!current()) return;
  const nodes = new Map();
  const edges = new Map();
  const hidden = new Map();
  let dropped = 0;
  answers.forEach((answer, i) => {
    const around = answer.neighbourhood;
    for (const n of around.nodes) {
      if (nodes.has(n.id)) continue;
      if (nodes.size >= MOST_NODES) {
        dropped += 1;
        continue;
      }
      nodes.set(n.id, { ...n, parent: i === 0 ? entity.id : centres[i], centre: n.id === entity.id, expanded: false });
    }
    for (const e of around.edges) {
      if (nodes.has(e.from) && nodes.has(e.to)) edges.set(e.id, e);
    }
    const total = answer.entity?.relations.totalCount ?? 0;
    const drawn = [...edges.values()].filter((e) => e.from === centres[i] || e.to === centres[i]).length;
    if (total > drawn) hidden.set(centres[i], total - drawn);
  });
  for (const id of centres.slice(1)) {
    if (nodes.has(id)) nodes.get(id).expanded = true;
  }
  layout([...nodes.values()], [...edges.values()], entity.id);
  fill(panel,
    h('h2', {}, 'Neighbourhood'),
    filters(kinds),
    picture([...nodes.values()], [...edges.values()], hidden),
    dropped ? h('p', { class: 'more' }, `${dropped} more entities not drawn: at most ${MOST_NODES} are on screen.`) : null,
    [...hidden].map(([id, n]) => h('p', { class: 'more', dataset: { more: id } },
      `${nodes.get(id)?.name ?? id}: ${n.toLocaleString()} more relation${n === 1 ? '' : 's'} not drawn`)),
    legend());
}

function filters(kinds) {
  if (!kinds.length) return null;
  const chosen = new Set(state.kinds);
  return h('div', { class: 'chips', role: 'group', 'aria-label': 'Relation kinds drawn' },
    kinds.map((kind) => h('button', {
      type: 'button',
      class: 'chip',
      'aria-pressed': String(chosen.has(kind)),
      onclick: () => {
        const next = new Set(chosen);
        if (next.has(kind)) next.delete(kind);
        else next.add(kind);
        go({ kinds: [...next] });
      },
    }, words(kind))),
    chosen.size ? h('button', { type: 'button', class: 'chip clear', onclick: () => go({ kinds: [] }) }, 'all kinds') : null);
}

/** Places the nodes: the centre in the middle, the rest pushed apart and pulled along their
 * edges for a fixed number of rounds (a few hundred nodes at most: a plain force layout). */
function layout(nodes, edges, centre) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const ring = nodes.filter((n) => n.id !== centre);
  ring.forEach((n, i) => {
    const parent = byId.get(n.parent);
    const angle = (2 * Math.PI * i) / Math.max(ring.length, 1);
    const radius = parent && parent.id !== centre ? 90 : 220;
    n.x = (parent && parent.id !== centre ? parent.x ?? 0 : 0) + radius * Math.cos(angle);
    n.y = (parent && parent.id !== centre ? parent.y ?? 0 : 0) + radius * Math.sin(angle);
  });
  const c = byId.get(centre);
  if (c) { c.x = 0; c.y = 0; }
  const k = 110;
  let heat = 40;
  for (let round = 0; round < 300; round++) {
    for (const n of nodes) { n.dx = 0; n.dy = 0; }
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const a = nodes[i], b = nodes[j];
        let dx = a.x - b.x, dy = a.y - b.y;
        let d2 = dx * dx + dy * dy;
        if (d2 < 0.01) { dx = 0.1 * (i - j); dy = 0.1; d2 = dx * dx + dy * dy; }
        const push = (k * k) / d2;
        a.dx += dx * push; a.dy += dy * push;
        b.dx -= dx * push; b.dy -= dy * push;
      }
    }
    for (const e of edges) {
      const a = byId.get(e.from), b = byId.get(e.to);
      if (!a || !b || a === b) continue;
      const dx = a.x - b.x, dy = a.y - b.y;
      const d = Math.sqrt(dx * dx + dy * dy) || 0.1;
      const pull = d / k;
      a.dx -= dx * pull; a.dy -= dy * pull;
      b.dx += dx * pull; b.dy += dy * pull;
    }
    for (const n of nodes) {
      if (n.id === centre) continue;
      const d = Math.sqrt(n.dx * n.dx + n.dy * n.dy) || 1;
      const step = Math.min(d, heat);
      n.x += (n.dx / d) * step;
      n.y += (n.dy / d) * step;
    }
    heat = Math.max(heat * 0.985, 2);
  }
}

function picture(nodes, edges, hidden) {
  const pad = 70;
  const xs = nodes.map((n) => n.x), ys = nodes.map((n) => n.y);
  const minX = Math.min(...xs) - pad, maxX = Math.max(...xs) + pad;
  const minY = Math.min(...ys) - pad, maxY = Math.max(...ys) + pad;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const toolbar = h('div', { class: 'graph-toolbar', 'aria-live': 'polite' }, 'Click a node to open it; double-click it to draw its neighbours.');
  let clicking = null;
  const open = (n) => go({ entity: n.id, expanded: [] });
  const expand = (n) => {
    if (n.centre || state.expanded.includes(n.id)) return;
    go({ expanded: [...state.expanded, n.id] });
  };
  const focus = (n) => fill(toolbar,
    h('strong', {}, n.name), ' ',
    h('button', { type: 'button', onclick: () => open(n) }, 'Open'), ' ',
    n.centre || n.expanded ? null : h('button', { type: 'button', class: 'expand', onclick: () => expand(n) }, 'Expand'));
  const svg = s('svg', {
    class: 'graph',
    viewBox: `${minX} ${minY} ${maxX - minX} ${maxY - minY}`,
    role: 'img',
    'aria-label': `${nodes.length} entities and ${edges.length} relations`,
  },
  s('g', { class: 'edges' }, pairs(edges).map((pair) => {
    const a = byId.get(pair.from), b = byId.get(pair.to);
    const over = pair.edges.every(isOver);
    const loose = pair.edges.every((e) => e.presence === 'POSSIBLE' || e.presence === 'PLANNED');
    const label = [...new Set(pair.edges.map((e) => `${isOver(e) ? '✕ ' : ''}${words(e.kind)}`))].join(', ');
    const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
    return s('g', { class: ['edge', over ? 'over' : null, loose ? 'loose' : null], dataset: { ids: pair.edges.map((e) => e.id).join(' ') } },
      s('title', {}, pair.edges.map((e) => `${byId.get(e.from).name} ${words(e.kind)} ${byId.get(e.to).name}${isOver(e) ? ' (over)' : e.presence === 'SURE' ? '' : ` (${words(e.presence)})`}`).join('\n')),
      s('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y }),
      // Labels are written while they stay readable; past that, hovering an edge names it.
      edges.length <= 60 ? s('text', { x: mx, y: my - 4, class: 'edge-label' }, label) : null);
  })),
  s('g', { class: 'nodes' }, nodes.map((n) => s('g', {
    class: ['node', `k-${n.kind}`, n.centre ? 'centre' : null, n.expanded ? 'expanded' : null],
    transform: `translate(${n.x},${n.y})`,
    tabindex: 0,
    role: 'button',
    'aria-label': `${n.name}, ${words(n.kind)}${hidden.has(n.id) ? `, ${hidden.get(n.id)} more relations` : ''}`,
    dataset: { id: n.id },
    onclick: () => {
      clearTimeout(clicking);
      clicking = setTimeout(() => open(n), 280);
    },
    ondblclick: () => {
      clearTimeout(clicking);
      expand(n);
    },
    onfocus: () => focus(n),
    onkeydown: (event) => {
      if (event.key === 'Enter') open(n);
      if (event.key === '+' || event.key === 'e') expand(n);
    },
  },
  s('circle', { r: n.centre ? 20 : 13 }),
  hidden.has(n.id) ? s('text', { class: 'node-more', y: 4 }, `+${hidden.get(n.id) > 999 ? '999+' : hidden.get(n.id)}`) : null,
  s('text', { class: 'node-label', y: n.centre ? 34 : 26 }, n.name.length > 28 ? `${n.name.slice(0, 27)}…` : n.name),
  s('title', {}, n.name))))
  );
  return h('div', { class: 'graph-box' }, svg, toolbar);
}

function isOver(e) {
  return e.presence === 'ENDED' || OVER.has(e.relation.status?.status);
}

/** The edges between each pair of nodes, drawn as one line. */
function pairs(edges) {
  const byPair = new Map();
  for (const e of edges) {
    const key = e.from < e.to ? `${e.from} ${e.to}` : `${e.to} ${e.from}`;
    if (!byPair.has(key)) byPair.set(key, { from: e.from, to: e.to, edges: [] });
    byPair.get(key).edges.push(e);
  }
  return [...byPair.values()];
}

function legend() {
  const kinds = ['VENDOR', 'CARRIER', 'RETAILER', 'PRODUCT', 'PERSON', 'MARKET', 'EVENT', 'SOURCE', 'GOVERNMENT_BODY', 'MEDIA_OUTLET', 'BRAND', 'DOCUMENT'];
  return h('div', { class: 'legend' },
    kinds.map((k) => h('span', { class: ['legend-kind', `k-${k}`] }, words(k))),
    h('span', { class: 'legend-edge loose' }, 'dashed: possible or pending'),
    h('span', { class: 'legend-edge over' }, 'red, ✕: over (ended, cancelled)'));
}

// Paths: how two entities are connected, the shortest ways first, each hop with its evidence.

import { gql, post } from './api.js';
import { h, s, fill, words, debounce } from './dom.js';
import { state, go, timeFilter, entityLink, kindBadge, problem } from './app.js';
import { citations } from './entity.js';

const REF = 'id name kind';
const QUERY = `query Paths($from: ID!, $to: ID!, $filter: RelationFilter) {
  paths(from: $from, to: $to, maxHops: 4, limit: 3, filter: $filter) {
    length
    nodes { ${REF} }
    hops {
      from { ${REF} } to { ${REF} }
      relation {
        id kind presence
        validity { from { text } until { text } }
        status { status date { text } }
        sources { source { ${REF} } quote claimedBy { ${REF} } }
      }
    }
  }
  a: entity(id: $from) { ${REF} }
  b: entity(id: $to) { ${REF} }
}`;

export async function renderPaths(main, current) {
  const results = h('div', { class: 'paths' });
  fill(main,
    h('section', { class: 'paths-view' },
      h('h1', {}, 'How are two entities connected?'),
      h('div', { class: 'ends' },
        picker('from', 'From', state.from),
        h('button', {
          type: 'button', class: 'swap', title: 'Swap the ends',
          onclick: () => go({ from: state.to, to: state.from }),
        }, '⇄'),
        picker('to', 'To', state.to)),
      results));
  document.title = 'Paths · phonegraph';
  if (!state.from || !state.to) {
    fill(results, h('p', { class: 'muted' }, 'Pick two entities: the shortest paths between them (up to four hops) are drawn, each hop with its sources.'));
    return;
  }
  fill(results, h('p', { class: 'muted' }, 'Finding paths…'));
  let data;
  try {
    data = await gql(QUERY, { from: state.from, to: state.to, filter: timeFilter() });
  } catch (error) {
    if (current()) fill(results, problem(error));
    return;
  }
  if (!current()) return;
  for (const [side, end] of [['from', data.a], ['to', data.b]]) {
    if (end) document.getElementById(`end-${side}`).value = end.name;
  }
  if (!data.paths.length) {
    fill(results, h('p', {}, `No path of up to four hops${state.asOf ? ` as of ${state.asOf}` : ''}.`));
    return;
  }
  fill(results, data.paths.map((path, i) =>
    h('article', { class: 'path', 'aria-label': `Path ${i + 1}` },
      h('h2', {}, `Path ${i + 1}: ${path.length} hop${path.length === 1 ? '' : 's'}`),
      chain(path),
      h('ol', { class: 'hops' }, path.hops.map((hop) =>
        h('li', { class: 'hop', dataset: { id: hop.relation.id } },
          h('p', { class: 'hop-line' }, entityLink(hop.from), ` ${words(hop.relation.kind)} `, entityLink(hop.to),
            hop.relation.validity.from ? h('span', { class: 'validity' }, ` since ${hop.relation.validity.from.text}`) : null,
            hop.relation.status ? h('span', { class: 'status' }, ` ${words(hop.relation.status.status)}${hop.relation.status.date ? ` ${hop.relation.status.date.text}` : ''}`) : null),
          citations(hop.relation.sources)))))));
}

/** A path drawn as a row of nodes. */
function chain(path) {
  const step = 190;
  const width = step * (path.nodes.length - 1) + 120;
  return s('svg', { class: 'chain', viewBox: `0 0 ${width} 80`, role: 'img', 'aria-label': path.nodes.map((n) => n.name).join(' → ') },
    path.hops.map((hop, i) => s('g', { class: 'edge' },
      s('line', { x1: 60 + i * step, y1: 30, x2: 60 + (i + 1) * step, y2: 30 }),
      s('text', { class: 'edge-label', x: 60 + (i + 0.5) * step, y: 24 }, words(hop.relation.kind)))),
    path.nodes.map((n, i) => s('g', { class: ['node', `k-${n.kind}`], transform: `translate(${60 + i * step},30)` },
      s('circle', { r: 12 }),
      s('text', { class: 'node-label', y: 30 }, n.name.length > 26 ? `${n.name.slice(0, 25)}…` : n.name))));
}

/** A text field that finds an entity by name and sets one end of the path. */
function picker(side, label, chosen) {
  const list = h('div', { class: 'search-results', role: 'listbox', hidden: true });
  const input = h('input', {
    id: `end-${side}`, type: 'search', autocomplete: 'off', placeholder: 'a name…', value: chosen ?? '',
  });
  let hits = [];
  const ask = debounce(async () => {
    const text = input.value.trim();
    if (!text) { list.hidden = true; return; }
    const answer = await post(`query($t: String!) { search(text: $t, first: 8) { entity { ${REF} } } }`, { t: text });
    hits = answer.data?.search.map((x) => x.entity) ?? [];
    fill(list, hits.map((e) => h('div', {
      role: 'option', class: 'hit', dataset: { id: e.id },
      onmousedown: (event) => event.preventDefault(),
      onclick: () => { list.hidden = true; go({ [side]: e.id }); },
    }, h('span', { class: 'hit-name' }, e.name), ' ', kindBadge(e.kind))));
    list.hidden = hits.length === 0;
  }, 120);
  input.addEventListener('input', ask);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && hits.length) {
      event.preventDefault();
      list.hidden = true;
      go({ [side]: hits[0].id });
    }
  });
  input.addEventListener('blur', () => setTimeout(() => { list.hidden = true; }, 150));
  return h('div', { class: 'end' }, h('label', { for: `end-${side}` }, label), h('div', { class: 'search' }, input, list));
}

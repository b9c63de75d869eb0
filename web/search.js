// Search as you type: names and aliases first, then every other text (quotes, summaries,
// notes), grouped by kind, each hit with the text that matched.

import { post } from './api.js';
import { h, fill, words, debounce } from './dom.js';

const QUERY = `query Search($text: String!) {
  search(text: $text, first: 8) { rank entity { id name kind aliases } }
  textSearch(query: $text, first: 8) {
    field text
    entity { id name kind }
    relation { id kind from { id name kind } to { id name kind } }
  }
}`;

/** Wires the search box; `open(entity)` is called with the hit chosen. */
export function setupSearch(open) {
  const input = document.getElementById('search');
  const box = document.getElementById('search-results');
  let asking = null;
  let hits = [];
  let active = -1;

  const close = () => {
    box.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    active = -1;
  };
  const choose = (hit) => {
    close();
    input.value = '';
    open(hit.entity);
  };
  const highlight = (i) => {
    active = i;
    box.querySelectorAll('[role=option]').forEach((el, j) => el.setAttribute('aria-selected', String(j === i)));
  };

  const ask = debounce(async (text) => {
    asking?.abort();
    if (text.trim().length === 0) return close();
    const mine = (asking = new AbortController());
    let answer;
    try {
      answer = await post(QUERY, { text }, { signal: mine.signal });
    } catch (error) {
      if (error.name === 'AbortError') return;
      throw error;
    }
    if (mine !== asking) return;
    if (answer.errors?.length) {
      fill(box, h('p', { class: 'error' }, answer.errors[0].message));
      box.hidden = false;
      return;
    }
    hits = gather(answer.data, text);
    show(text);
    // Which text the hits answer, for whoever waits for them.
    box.dataset.text = text;
  }, 120);

  function show(text) {
    const groups = new Map();
    hits.forEach((hit, i) => {
      if (!groups.has(hit.group)) groups.set(hit.group, []);
      groups.get(hit.group).push([hit, i]);
    });
    fill(
      box,
      hits.length === 0 ? h('p', { class: 'muted' }, `Nothing matches “${text}”.`) : null,
      [...groups].map(([group, list]) =>
        h('div', { class: 'group' },
          h('h3', {}, words(group)),
          list.map(([hit, i]) =>
            h('div', {
              role: 'option',
              class: ['hit', `k-${hit.entity.kind}`],
              id: `hit-${i}`,
              'aria-selected': 'false',
              dataset: { id: hit.entity.id },
              onmousedown: (event) => event.preventDefault(),
              onclick: () => choose(hit),
            },
            h('span', { class: 'hit-name' }, hit.entity.name),
            hit.matched ? h('span', { class: 'hit-text' }, hit.matched) : null)))),
    );
    box.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  input.addEventListener('input', () => ask(input.value));
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && hits.length) {
      event.preventDefault();
      highlight(Math.min(active + 1, hits.length - 1));
    } else if (event.key === 'ArrowUp' && hits.length) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === 'Enter' && hits.length) {
      event.preventDefault();
      choose(hits[Math.max(active, 0)]);
    } else if (event.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  input.addEventListener('focus', () => {
    if (hits.length && input.value) box.hidden = false;
  });
}

/** The hits of both searches, one per entity, each with the text that matched. */
function gather(data, text) {
  const seen = new Set();
  const hits = [];
  const lower = text.trim().toLowerCase();
  for (const { entity } of data.search) {
    if (seen.has(entity.id)) continue;
    seen.add(entity.id);
    const alias = entity.name.toLowerCase().includes(lower)
      ? null
      : entity.aliases.find((a) => a.toLowerCase().includes(lower));
    hits.push({ group: entity.kind, entity, matched: alias ? `also known as ${alias}` : null });
  }
  for (const hit of data.textSearch) {
    const entity = hit.entity ?? hit.relation?.from;
    if (!entity) continue;
    const key = `${entity.id}\u0000${hit.text}`;
    if (seen.has(key) || (hit.field === 'NAME' && seen.has(entity.id))) continue;
    seen.add(key);
    const about = hit.relation
      ? `${hit.relation.from.name} ${words(hit.relation.kind)} ${hit.relation.to.name}: `
      : `${words(hit.field)}: `;
    hits.push({ group: hit.relation ? 'in relations' : `${entity.kind}`, entity, matched: about + hit.text });
  }
  return hits;
}

// An entity: what it is, who says so, its relations by what they are on the day asked for
// (each with its other end, validity, status and its history, confidence and sources),
// claims that disagree side by side, its timeline, and its neighbourhood drawn.

import { gql } from './api.js';
import { h, fill, words } from './dom.js';
import { state, go, timeFilter, entityLink, kindBadge, problem } from './app.js';
import { drawNeighbourhood } from './graph.js';
import { drawTimeline } from './time.js';

const REF = 'id name kind';
const CITATION = `source { ${REF} } quote claimedBy { ${REF} }`;
const PAGE = 100;

const QUERY = `query Entity($id: ID!, $filter: RelationFilter, $first: Int, $after: String) {
  entity(id: $id) {
    ${REF} aliases description wikidata
    citations { ${CITATION} }
    propertySources { property sources { ${CITATION} } }
    ... on Source { title publisher url date { text } }
    relations(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id kind direction confidence presence unsourced role note terms
        other { ${REF} }
        market { ${REF} }
        validity { from { text } until { text } }
        status { status date { text } event { ${REF} } }
        statusHistory { status date { text } event { ${REF} } confidence claimedBy { ${REF} } sources { ${CITATION} } }
        plannedEnd { date { text } ahead sources { ${CITATION} } }
        claimedBy { ${REF} }
        sources { ${CITATION} }
      }
    }
  }
}`;

const TIMELINE = `query Timeline($id: ID!) {
  timeline(entity: $id) { date { text earliest } kind text status event { ${REF} } relation { id } }
}`;

const SECTIONS = [
  ['SURE', 'in-force', 'In force'],
  ['POSSIBLE', 'possible', 'Possibly in force'],
  ['PLANNED', 'planned', 'Planned or pending'],
  ['ENDED', 'ended', 'Over: ended, cancelled or lifted'],
];

/** Statuses that say a relation is over. */
export const OVER = new Set(['CANCELLED', 'ENDED', 'ABANDONED', 'LIFTED', 'SUSPENDED', 'VETOED', 'FAILED']);

export async function renderEntity(main, current) {
  const id = state.entity;
  const filter = timeFilter();
  const [data, timeline] = await Promise.all([
    gql(QUERY, { id, filter, first: PAGE }),
    // A hub's timeline may be too long to ask for at once: the page says so.
    gql(TIMELINE, { id }).catch((error) => ({ timeline: null, error })),
  ]);
  if (!current()) return;
  const entity = data.entity;
  if (!entity) {
    fill(main, h('p', { class: 'error', role: 'alert' }, `There is no entity with the id “${id}”.`));
    return;
  }
  document.title = `${entity.name} · phonegraph`;
  const relations = [...entity.relations.nodes];
  const lists = h('div', { class: 'relations' });
  const graph = h('div', { class: 'graph-panel', 'aria-label': 'Neighbourhood' });
  const drawLists = () => fill(lists, relationLists(relations, entity.relations.totalCount, more));
  let page = entity.relations.pageInfo;
  const more = page.hasNextPage
    ? async (button) => {
      button.disabled = true;
      try {
        const next = await gql(QUERY, { id, filter, first: PAGE, after: page.endCursor });
        relations.push(...next.entity.relations.nodes);
        page = next.entity.relations.pageInfo;
        drawLists();
      } catch (error) {
        button.replaceWith(problem(error));
      }
    }
    : null;
  drawLists();
  fill(
    main,
    h('div', { class: 'entity-page' },
      h('article', { class: 'entity', 'aria-labelledby': 'entity-name' },
        header(entity),
        h('section', { class: 'timeline', 'aria-label': 'Timeline' },
          h('h2', {}, 'Timeline'),
          timeline.timeline
            ? drawTimeline(timeline.timeline, state.asOf)
            : timeline.error.codes?.includes('LIMIT_EXCEEDED')
              ? h('p', { class: 'more' }, 'Too many dated relations to draw here: the relations below are listed by page.')
              : problem(timeline.error)),
        lists),
      graph),
  );
  const kinds = [...new Set(relations.map((r) => r.kind))].sort();
  await drawNeighbourhood(graph, entity, kinds, current);
}

function header(entity) {
  const cited = entity.citations.length
    ? h('div', { class: 'citations' }, h('h3', {}, 'On whose word'), citations(entity.citations))
    : null;
  const properties = entity.propertySources.map((p) =>
    h('div', { class: 'property' }, h('h3', {}, `Its ${words(p.property)}, on whose word`), citations(p.sources)));
  const source = entity.kind === 'SOURCE'
    ? h('p', { class: 'source-meta' },
      [entity.publisher, entity.date?.text].filter(Boolean).join(', '),
      entity.url && /^https?:\/\//.test(entity.url)
        ? [' · ', h('a', { href: entity.url, rel: 'noopener noreferrer external', target: '_blank' }, entity.url)]
        : null)
    : null;
  return h('header', { class: 'entity-head' },
    kindBadge(entity.kind),
    h('h1', { id: 'entity-name' }, entity.name),
    entity.aliases.length ? h('p', { class: 'aliases' }, 'Also: ', entity.aliases.join(' · ')) : null,
    entity.description ? h('p', { class: 'description' }, entity.description) : null,
    source,
    h('p', { class: 'muted' }, 'id ', h('code', {}, entity.id), ' ',
      h('button', { type: 'button', class: 'to-paths', onclick: () => go({ view: 'paths', from: entity.id, to: null }) }, 'Paths from here')),
    cited,
    properties);
}

/** Sources with their quotes. */
export function citations(list) {
  if (!list.length) return h('p', { class: 'muted unsourced' }, 'No source given.');
  return h('ul', { class: 'sources' }, list.map((c) =>
    h('li', { class: 'citation' },
      entityLink(c.source),
      c.claimedBy ? h('span', { class: 'claimed' }, ' reports a claim by ', entityLink(c.claimedBy)) : null,
      c.quote ? h('blockquote', {}, c.quote) : null)));
}

function relationLists(relations, total, more) {
  const asOf = state.asOf;
  const sections = asOf
    ? SECTIONS.map(([presence, id, title]) => [id, title, relations.filter((r) => r.presence === presence)])
    : [['all', 'Relations, with their latest status', relations]];
  const shown = relations.length;
  return [
    h('h2', {}, asOf ? `Relations as of ${asOf}` : 'Relations'),
    asOf ? null : h('p', { class: 'muted' }, 'Every relation ever recorded. Set “As of” to split them into in force, planned and over on a day.'),
    sections.map(([id, title, list]) =>
      h('section', { class: ['presence', id], id: `rel-${id}`, 'aria-label': title },
        h('h3', {}, `${title} (${list.length})`),
        list.length ? byKind(list) : h('p', { class: 'muted' }, 'None.'))),
    shown < total
      ? h('p', { class: 'more' }, `${(total - shown).toLocaleString()} more not shown. `,
        more ? h('button', { type: 'button', onclick: (e) => more(e.target) }, 'Show more') : null)
      : null,
  ];
}

function byKind(list) {
  const kinds = new Map();
  for (const r of list) {
    if (!kinds.has(r.kind)) kinds.set(r.kind, []);
    kinds.get(r.kind).push(r);
  }
  return [...kinds].map(([kind, rs]) => {
    // A fact's claims share its id up to `#`: shown side by side when there are several.
    const facts = new Map();
    for (const r of rs) {
      const fact = r.id.split('#')[0];
      if (!facts.has(fact)) facts.set(fact, []);
      facts.get(fact).push(r);
    }
    return h('div', { class: 'kind-group' },
      h('h4', {}, `${words(kind)} (${rs.length})`),
      [...facts.values()].map((claims) => claims.length === 1
        ? relationCard(claims[0])
        : h('div', { class: 'claims', 'aria-label': 'Claims that disagree' },
          h('p', { class: 'claims-title' }, `${claims.length} claims about this`),
          h('div', { class: 'side-by-side' }, claims.map(relationCard)))));
  });
}

function statusText(step) {
  return [words(step.status), step.date ? step.date.text : null].filter(Boolean).join(' ');
}

function relationCard(r) {
  const over = r.presence === 'ENDED' || (r.status && OVER.has(r.status.status));
  const arrow = r.direction === 'INCOMING' ? '←' : r.direction === 'OUTGOING' ? '→' : '↔';
  const validity = [r.validity.from ? `since ${r.validity.from.text}` : null,
    r.validity.until ? `until ${r.validity.until.text}` : null].filter(Boolean).join(' ');
  const history = r.statusHistory.length
    ? h('details', { class: 'history' },
      h('summary', {}, `Status history (${r.statusHistory.length})`),
      h('ol', {}, r.statusHistory.map((step) =>
        h('li', { class: ['step', OVER.has(step.status) ? 'over' : null] },
          h('span', { class: 'status' }, statusText(step)),
          step.event ? [' · ', entityLink(step.event)] : null,
          step.claimedBy ? [' · claimed by ', entityLink(step.claimedBy)] : null,
          step.sources.length ? citations(step.sources) : null))))
    : null;
  return h('div', { class: ['relation', over ? 'over' : null, `p-${r.presence}`], dataset: { id: r.id } },
    h('div', { class: 'relation-line' },
      h('span', { class: 'arrow', 'aria-hidden': 'true' }, arrow),
      entityLink(r.other),
      ' ', kindBadge(r.other.kind),
      r.market ? [' in ', entityLink(r.market)] : null,
      r.role ? h('span', { class: 'role' }, ` ${r.role}`) : null,
      validity ? h('span', { class: 'validity' }, ` ${validity}`) : null,
      r.status
        ? h('span', { class: ['status', over ? 'over' : null] }, statusText(r.status),
          r.status.event ? [' · ', entityLink(r.status.event)] : null)
        : null,
      r.confidence < 1 ? h('span', { class: 'confidence' }, `confidence ${r.confidence}`) : null,
      r.claimedBy ? h('span', { class: 'claimed' }, 'claimed by ', entityLink(r.claimedBy)) : null),
    r.note ? h('p', { class: 'note' }, r.note) : null,
    r.terms ? h('p', { class: 'note' }, `Terms: ${r.terms}`) : null,
    r.plannedEnd ? h('p', { class: 'note' }, `Planned to end ${r.plannedEnd.date.text}`) : null,
    citations(r.sources),
    history);
}


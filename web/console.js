// The query console: a GraphQL text area with the schema's types and fields beside it (from
// the schema built into the server, not from introspection), variables, Ctrl-Enter to run,
// the answer as formatted JSON and its errors with their codes.

import { post, fetchText } from './api.js';
import { h, fill } from './dom.js';

const EXAMPLE = `# Ctrl-Enter runs the query.
query WhoCarries($id: ID!) {
  entity(id: $id) {
    name
    relations(kinds: [CARRIES], filter: { asOf: "2018-02", includeEnded: true }) {
      nodes {
        other { name }
        presence
        status { status date { text } }
        sources { source { name } quote }
      }
    }
  }
}`;

const KEPT = 'phonegraph.console';

let schema = null;

/** The types of an SDL text, each with its description and its fields'. */
export function parseSdl(sdl) {
  const types = [];
  const lines = sdl.split('\n');
  let description = [];
  let inDescription = false;
  let type = null;
  let depth = 0;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('"""')) {
      const rest = line.slice(3);
      if (inDescription) { inDescription = false; continue; }
      if (rest.endsWith('"""') && rest.length >= 3) { description = [rest.slice(0, -3)]; continue; }
      inDescription = true;
      description = rest ? [rest] : [];
      continue;
    }
    if (inDescription) { description.push(line); continue; }
    const head = /^(type|interface|enum|input|union|scalar)\s+(\w+)/.exec(line);
    if (head && depth === 0) {
      type = { kind: head[1], name: head[2], description: description.join(' '), fields: [] };
      types.push(type);
      description = [];
      if (line.endsWith('{')) depth = 1;
      continue;
    }
    if (!type || depth === 0) { description = []; continue; }
    if (line === '}') { depth = 0; type = null; continue; }
    const field = /^(\w+)/.exec(line);
    if (field && (depth === 1)) {
      type.fields.push({ name: field[1], line, description: description.join(' ') });
      description = [];
    }
    depth += (line.match(/\(/g) || []).length - (line.match(/\)/g) || []).length;
    if (depth < 1) depth = 1;
  }
  return types;
}

export async function renderConsole(main) {
  document.title = 'Console · phonegraph';
  if (schema === null) {
    const sdl = await fetchText('/schema.graphql');
    schema = sdl === null ? false : parseSdl(sdl);
  }
  if (schema === false) {
    fill(main, h('p', { class: 'error', role: 'alert' }, 'The console is for admins on this server.'));
    return;
  }
  const kept = JSON.parse(sessionStorage.getItem(KEPT) || 'null') || { query: EXAMPLE, variables: '{ "id": "mate-10-pro" }' };
  const query = h('textarea', { id: 'console-query', class: 'code', spellcheck: 'false', 'aria-label': 'Query', rows: 18 });
  query.value = kept.query;
  const variables = h('textarea', { id: 'console-variables', class: 'code', spellcheck: 'false', 'aria-label': 'Variables (JSON)', rows: 4 });
  variables.value = kept.variables;
  const result = h('pre', { id: 'console-result', class: 'code result', 'aria-live': 'polite', tabindex: 0 });
  const errors = h('ul', { id: 'console-errors', class: 'errors' });
  const run = async () => {
    sessionStorage.setItem(KEPT, JSON.stringify({ query: query.value, variables: variables.value }));
    let vars = {};
    try {
      vars = variables.value.trim() ? JSON.parse(variables.value) : {};
    } catch (error) {
      fill(errors, h('li', {}, h('code', {}, 'VARIABLES'), ` the variables are not JSON: ${error.message}`));
      return;
    }
    fill(result, 'Running…');
    const started = performance.now();
    const answer = await post(query.value, vars);
    const took = Math.round(performance.now() - started);
    fill(result, JSON.stringify(answer, null, 2));
    fill(errors, (answer.errors || []).map((e) =>
      h('li', {}, h('code', { class: 'code-name' }, e.extensions?.code ?? 'ERROR'), ' ', e.message,
        e.locations?.length ? h('span', { class: 'muted' }, ` (line ${e.locations[0].line}, column ${e.locations[0].column})`) : null)),
    (answer.errors || []).length ? null : h('li', { class: 'ok' }, `No errors · ${took} ms`));
  };
  for (const area of [query, variables]) {
    area.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        run();
      }
    });
  }
  const filter = h('input', { type: 'search', placeholder: 'Filter types and fields', 'aria-label': 'Filter the schema' });
  const list = h('div', { class: 'schema-list' });
  const show = () => {
    const word = filter.value.trim().toLowerCase();
    const shown = schema.filter((t) => !t.name.startsWith('__') && (!word || t.name.toLowerCase().includes(word)
      || t.fields.some((f) => f.name.toLowerCase().includes(word))));
    fill(list, shown.map((t) => h('details', { class: 'schema-type', open: word && shown.length < 6 ? true : null },
      h('summary', { title: t.description }, h('span', { class: 'muted' }, `${t.kind} `), t.name),
      t.description ? h('p', { class: 'muted' }, t.description) : null,
      h('ul', {}, t.fields.map((f) => h('li', { title: f.description },
        h('button', {
          type: 'button', class: 'field',
          onclick: () => {
            const at = query.selectionStart;
            query.setRangeText(f.name, at, query.selectionEnd, 'end');
            query.focus();
          },
        }, f.line.replace(/,$/, '')),
        f.description ? h('span', { class: 'muted' }, ` ${f.description}`) : null))))));
  };
  filter.addEventListener('input', show);
  show();
  fill(main,
    h('section', { class: 'console' },
      h('div', { class: 'console-main' },
        h('h1', {}, 'Query console'),
        query,
        h('label', { for: 'console-variables' }, 'Variables'),
        variables,
        h('p', {}, h('button', { type: 'button', id: 'console-run', onclick: run }, 'Run'), h('span', { class: 'muted' }, ' or Ctrl-Enter')),
        errors,
        result),
      h('aside', { class: 'console-schema', 'aria-label': 'Schema' }, h('h2', {}, 'Schema'), filter, list)));
}

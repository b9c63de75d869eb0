// Talking to the server: GraphQL over HTTP (POST /graphql) and subscriptions over the
// graphql-transport-ws protocol, with the API key kept for this tab when the server asks.

const KEY = 'phonegraph.key';

/** The key kept for this tab, if any. */
export function key() {
  return sessionStorage.getItem(KEY);
}

function headers() {
  const h = { 'Content-Type': 'application/json', Accept: 'application/json' };
  const k = key();
  if (k) h.Authorization = `Bearer ${k}`;
  return h;
}

/** A GraphQL answer with errors (each with its `extensions.code`). */
export class GraphQLError extends Error {
  constructor(errors, data) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
    this.data = data;
  }
  get codes() {
    return this.errors.map((e) => e.extensions?.code).filter(Boolean);
  }
}

let asking = null;

/**
 * Asks for a key once (several requests refused at once wait for the same answer) and keeps
 * it for the tab. `problem` is shown when a key was refused.
 */
export function askKey(problem) {
  if (asking) return asking;
  const dialog = document.getElementById('key-dialog');
  const form = document.getElementById('key-form');
  const input = document.getElementById('key-input');
  const error = document.getElementById('key-error');
  error.hidden = !problem;
  error.textContent = problem || '';
  asking = new Promise((resolve) => {
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        sessionStorage.setItem(KEY, input.value.trim());
        input.value = '';
        dialog.close();
        asking = null;
        resolve();
      },
      { once: true },
    );
  });
  dialog.showModal();
  input.focus();
  return asking;
}

/**
 * Sends a GraphQL request and returns the whole answer `{ data, errors, extensions }`.
 * A 401 asks for a key and tries again; other refusals come back as answers with errors.
 */
export async function post(query, variables, { signal, operationName } = {}) {
  for (;;) {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ query, variables, operationName }),
      signal,
    });
    if (response.status === 401) {
      await askKey(key() ? 'That key was refused: try another.' : null);
      continue;
    }
    const type = response.headers.get('content-type') || '';
    if (!type.includes('json')) {
      return { errors: [{ message: `the server answered ${response.status}`, extensions: { code: 'HTTP' } }] };
    }
    return response.json();
  }
}

/** Sends a query and returns its data, or throws a `GraphQLError`. */
export async function gql(query, variables, options) {
  const answer = await post(query, variables, options);
  if (answer.errors?.length) throw new GraphQLError(answer.errors, answer.data);
  noteVersion(answer.extensions?.dataVersion);
  return answer.data;
}

const versionListeners = [];
/** Calls `fn(version)` whenever an answer comes from a data version. */
export function onVersion(fn) {
  versionListeners.push(fn);
}
function noteVersion(version) {
  if (version) versionListeners.forEach((fn) => fn(version));
}

/** Fetches a file of the server's with the key; null when refused. */
export async function fetchText(path) {
  const response = await fetch(path, { headers: headers() });
  return response.ok ? response.text() : null;
}

/**
 * Subscribes over a WebSocket (graphql-transport-ws) and calls `onNext(data)` for each event;
 * reconnects after a pause when the connection drops. Returns a function that stops it.
 */
export function subscribe(query, onNext, onState = () => {}) {
  let socket;
  let stopped = false;
  let wait = 1000;
  const open = () => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    socket = new WebSocket(url, 'graphql-transport-ws');
    socket.addEventListener('open', () => {
      const k = key();
      socket.send(JSON.stringify({
        type: 'connection_init',
        payload: k ? { authorization: `Bearer ${k}` } : {},
      }));
    });
    socket.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === 'connection_ack') {
        wait = 1000;
        onState('live');
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'next' && message.payload?.data) {
        onNext(message.payload.data);
      }
    });
    socket.addEventListener('close', (event) => {
      onState('off');
      // A refused key waits for the next one; anything else tries again, less and less often.
      if (stopped || event.code === 4403) return;
      setTimeout(open, wait);
      wait = Math.min(wait * 2, 30000);
    });
    socket.addEventListener('error', () => {});
  };
  open();
  return () => {
    stopped = true;
    socket?.close(1000);
  };
}

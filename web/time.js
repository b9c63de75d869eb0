// Time: the "as of" bar (a slider over the data's months, a date field, "include possible")
// and an entity's timeline drawn as a strip.

import { h, s, words } from './dom.js';
import { entityLink } from './app.js';

let months = [];

/** `2017-12` for slider position `i`; the last position is "as it stands". */
function monthAt(i) {
  return months[i] ?? null;
}

const DAY = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;

/** Wires the time bar over the years `{ firstYear, lastYear }`; `change(changes)` is called
 * with the new state. */
export function setupTime(years, change) {
  const first = years.firstYear ?? new Date().getFullYear();
  const last = Math.max(years.lastYear ?? first, first);
  months = [];
  for (let y = first; y <= last; y++) {
    for (let m = 1; m <= 12; m++) months.push(`${y}-${String(m).padStart(2, '0')}`);
  }
  const slider = document.getElementById('as-of-slider');
  const field = document.getElementById('as-of');
  const possible = document.getElementById('include-possible');
  slider.max = String(months.length);
  slider.setAttribute('aria-valuetext', 'as it stands');
  slider.addEventListener('input', () => {
    const month = monthAt(Number(slider.value));
    field.value = month ?? '';
    slider.setAttribute('aria-valuetext', month ?? 'as it stands');
  });
  slider.addEventListener('change', () => change({ asOf: monthAt(Number(slider.value)) }));
  const submit = () => {
    const text = field.value.trim();
    if (text === '' || DAY.test(text)) {
      field.removeAttribute('aria-invalid');
      change({ asOf: text || null });
    } else {
      field.setAttribute('aria-invalid', 'true');
      field.title = 'A day as YYYY, YYYY-MM or YYYY-MM-DD';
    }
  };
  field.addEventListener('change', submit);
  field.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') submit();
  });
  document.getElementById('as-of-now').addEventListener('click', () => change({ asOf: null }));
  possible.addEventListener('change', () => change({ possible: possible.checked }));
}

/** Shows the state's day in the bar. */
export function showTime(state) {
  const slider = document.getElementById('as-of-slider');
  const field = document.getElementById('as-of');
  document.getElementById('include-possible').checked = state.possible;
  document.getElementById('include-possible').disabled = !state.asOf;
  if (document.activeElement !== field) field.value = state.asOf ?? '';
  const month = state.asOf ? state.asOf.slice(0, 7) : null;
  const i = month ? months.indexOf(month.length === 4 ? `${month}-12` : month) : -1;
  slider.value = String(i >= 0 ? i : state.asOf ? (state.asOf < (months[0] ?? '') ? 0 : months.length - 1) : months.length);
  slider.setAttribute('aria-valuetext', state.asOf ?? 'as it stands');
}

const ENTRY = { EVENT: 'event', STARTED: 'started', STATUS_CHANGED: 'status changed', ENDED: 'ended' };

/** An entity's timeline: a strip of its events and its relations' starts, status changes and
 * ends, with the day asked for marked; the same as a list below it. */
export function drawTimeline(entries, asOf) {
  const placed = entries.filter((e) => e.date?.earliest);
  if (!placed.length) return h('p', { class: 'muted' }, 'Nothing dated.');
  const time = (text) => Date.parse(`${text.length === 4 ? `${text}-12-31` : text.length === 7 ? `${text}-28` : text}T00:00:00Z`);
  const times = placed.map((e) => time(e.date.earliest));
  let lo = Math.min(...times), hi = Math.max(...times);
  if (hi - lo < 86400000 * 60) { lo -= 86400000 * 30; hi += 86400000 * 30; }
  const width = 800, x = (t) => 20 + ((t - lo) / (hi - lo)) * (width - 40);
  const rows = new Map();
  const marks = placed.map((e, i) => {
    const px = x(times[i]);
    // Stack marks that fall on the same spot.
    const slot = Math.round(px / 8);
    const row = rows.get(slot) ?? 0;
    rows.set(slot, row + 1);
    return s('g', { class: ['mark', `t-${e.kind}`] },
      s('circle', { cx: px, cy: 44 - row * 12, r: 5 }),
      s('title', {}, `${e.date.text}: ${e.text}`));
  });
  const years = [];
  for (let y = new Date(lo).getUTCFullYear(); y <= new Date(hi).getUTCFullYear(); y++) {
    const t = Date.UTC(y, 0, 1);
    if (t >= lo && t <= hi) years.push(s('g', { class: 'tick' }, s('line', { x1: x(t), x2: x(t), y1: 50, y2: 56 }), s('text', { x: x(t), y: 70 }, String(y))));
  }
  const ends = [lo, hi].map((t, i) => s('text', { class: ['end-date', i ? 'last' : 'first'], x: i ? width - 10 : 10, y: 12 },
    new Date(t).toISOString().slice(0, 10)));
  const at = asOf ? time(asOf.length === 7 ? `${asOf}-28` : asOf) : null;
  return h('div', { class: 'timeline-box' },
    s('svg', { class: 'strip', viewBox: `0 0 ${width} 76`, role: 'img', 'aria-label': `${placed.length} dated entries` },
      s('line', { class: 'axis', x1: 10, x2: width - 10, y1: 50, y2: 50 }),
      years, ends, marks,
      at !== null && at >= lo && at <= hi ? s('line', { class: 'as-of-line', x1: x(at), x2: x(at), y1: 0, y2: 56 }) : null),
    h('details', { class: 'timeline-list' },
      h('summary', {}, `As a list (${entries.length})`),
      h('ol', {}, entries.map((e) => h('li', { class: `t-${e.kind}` },
        h('span', { class: 'date' }, e.date.text), ' ', h('span', { class: 'entry-kind' }, ENTRY[e.kind] ?? words(e.kind)), ' ',
        e.text, e.event ? [' · ', entityLink(e.event)] : null)))));
}

// The explorer page in a real browser (Debian's chromium, driven by playwright-core), against
// a running server. One argument: a JSON plan from the Rust test, with what the curated data
// says the page must show. Prints `ok <step>` per step; exits non-zero at the first failure.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const plan = JSON.parse(process.argv[2]);
const base = plan.base;
const host = new URL(base).host;
const executablePath = process.env.PHONEGRAPH_CHROMIUM || '/usr/bin/chromium';

// However it goes, the run ends: a step that hangs fails the run.
setTimeout(() => {
  console.error('the browser run took longer than three minutes');
  process.exit(2);
}, 180000).unref();

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
process.on('uncaughtException', async (error) => {
  console.error(error);
  await browser.close().catch(() => {});
  process.exit(1);
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);

const troubles = [];
// A 401 is how the server asks for a key, and the browser itself logs it.
const askedForKey = (text) => plan.scenario === 'keys' && text.includes('status of 401');
page.on('console', (m) => {
  if ((m.type() === 'error' || m.type() === 'warning') && !askedForKey(m.text())) {
    troubles.push(`console ${m.type()}: ${m.text()}`);
  }
});
page.on('pageerror', (e) => troubles.push(`page error: ${e.message}`));
page.on('requestfailed', (r) => troubles.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
page.on('request', (r) => {
  const url = new URL(r.url());
  if (url.host !== host) troubles.push(`request to another host: ${r.url()}`);
});
page.on('response', (r) => {
  if (r.status() >= 400 && !(plan.scenario === 'keys' && r.status() === 401)) {
    troubles.push(`${r.status()} for ${r.url()}`);
  }
});

function ok(step, detail) {
  assert.deepEqual(troubles, [], `trouble by ${step}`);
  console.log(detail === undefined ? `ok ${step}` : `ok ${step} ${JSON.stringify(detail)}`);
}

async function shot(name, target = page) {
  if (!plan.screenshots) return;
  fs.mkdirSync(plan.screenshots, { recursive: true });
  await target.screenshot({ path: path.join(plan.screenshots, `${name}.png`) });
}

/** Types into the search box as a person would and opens the hit for `id`. */
async function searchAndOpen(text, id) {
  await page.locator('#search').pressSequentially(text, { delay: 30 });
  const hit = page.locator(`#search-results .hit[data-id="${id}"]`);
  await hit.waitFor();
  return hit;
}

async function setAsOf(day) {
  await page.fill('#as-of', day);
  await page.press('#as-of', 'Enter');
  await page.waitForURL((url) => url.searchParams.get('asOf') === day);
}

if (plan.scenario === 'keys') {
  await page.goto(`${base}/`);
  await page.locator('#key-dialog[open]').waitFor();
  await page.fill('#key-input', 'not a key');
  await page.press('#key-input', 'Enter');
  await page.locator('#key-error:not([hidden])').waitFor();
  await page.fill('#key-input', plan.key);
  await page.press('#key-input', 'Enter');
  await page.locator('.home').waitFor();
  assert.equal(await page.locator('#key-dialog[open]').count(), 0);
  ok('the key is asked for once');
  await page.reload();
  await page.locator('.home').waitFor();
  assert.equal(await page.locator('#key-dialog[open]').count(), 0, 'the key is kept for the tab');
  await page.locator('#version.live-on').waitFor();
  assert.equal(await page.locator('#nav-console').isHidden(), !plan.consoleShown);
  ok('the key is kept for the session', { console: !(await page.locator('#nav-console').isHidden()) });
  await browser.close();
  process.exit(0);
}

// 1. The page loads, with nothing from elsewhere and nothing in the console.
await page.goto(`${base}/`);
await page.locator('.home').waitFor();
await page.locator('#version.live-on').waitFor();
ok('the page loads');

// 2. Search "xiaomi", open Xiaomi: its chairman and his source's quote.
await (await searchAndOpen('xiaomi', 'xiaomi')).click();
await page.locator('#entity-name', { hasText: 'Xiaomi' }).waitFor();
const chairman = page.locator(`.relation[data-id="${plan.chairman.relation}"]`);
await chairman.waitFor();
const card = await chairman.innerText();
for (const text of [plan.chairman.name, plan.chairman.role, plan.chairman.quote]) {
  assert.ok(card.includes(text), `the chairman's card shows “${text}”: ${card}`);
}
ok('search, open and the chairman', { card });

// 3. The Mate 10 Pro as of 2017-12: AT&T's deal is planned; as of 2018-02 it is over.
await page.locator('#search').focus();
await searchAndOpen('mate 10 pro', 'mate-10-pro');
await page.keyboard.press('Enter');
await page.locator('#entity-name', { hasText: 'Mate 10 Pro' }).waitFor();
const deal = (section) => page.locator(`#rel-${section} .relation[data-id="${plan.deal.relation}"]`);
await setAsOf('2017-12');
await deal('planned').waitFor();
assert.equal(await deal('in-force').count(), 0);
ok('as of 2017-12 the deal is planned');
await setAsOf('2018-02');
await deal('ended').waitFor();
assert.equal(await deal('in-force').count(), 0, 'the deal is no longer in force');
assert.equal(await deal('planned').count(), 0);
const ended = await deal('ended').innerText();
for (const text of [plan.deal.cancelled, plan.deal.event]) {
  assert.ok(ended.includes(text), `the ended deal shows “${text}”: ${ended}`);
}
await page.locator('svg.graph .edge.over').first().waitFor();
ok('as of 2018-02 the deal is over', { ended });
await shot('entity', page);

// 4. Expanding a node draws its neighbours.
const nodes = page.locator('svg.graph .node');
const before = await nodes.count();
await page.locator(`svg.graph .node[data-id="${plan.expand}"]`).dblclick();
await page.waitForURL((url) => (url.searchParams.get('x') || '').split(',').includes(plan.expand));
await page.locator(`svg.graph .node.expanded[data-id="${plan.expand}"]`).waitFor();
const after = await nodes.count();
assert.ok(after > before, `expanding adds nodes: ${before} → ${after}`);
ok('expanding a node', { before, after });
await shot('graph', page.locator('.graph-panel'));

// 5. A shared link shows the same view.
const link = page.url();
const other = await context.newPage();
await other.goto(link);
await other.locator(`#rel-ended .relation[data-id="${plan.deal.relation}"]`).waitFor();
assert.equal(await other.locator('#as-of').inputValue(), '2018-02');
await other.close();
ok('a link opens the same view');

// 5b. Claims that disagree about one fact are shown side by side.
await page.goto(`${base}/?e=${plan.claims.entity}`);
const claims = page.locator('.claims .side-by-side > .relation');
await claims.first().waitFor();
const claimIds = await claims.evaluateAll((list) => list.map((r) => r.dataset.id));
assert.equal(claimIds.filter((id) => id.split('#')[0] === plan.claims.fact).length, plan.claims.count, JSON.stringify(claimIds));
ok('claims side by side', { claimIds });

// 6. Paths from Xiaomi to AT&T, each hop with its evidence.
await page.click('#nav-paths');
await page.locator('#end-from').pressSequentially('Xiaomi', { delay: 30 });
await page.locator('.end .hit[data-id="xiaomi"]').click();
await page.waitForURL((url) => url.searchParams.get('from') === 'xiaomi');
await page.locator('#end-to').pressSequentially('AT&T', { delay: 30 });
await page.locator('.end .hit[data-id="att"]').click();
await page.locator('.path').first().waitFor();
const paths = await page.locator('.path').evaluateAll((list) =>
  list.map((p) => [...p.querySelectorAll('.hop')].map((hop) => hop.querySelectorAll('.citation').length)));
assert.ok(paths.some((hops) => hops.length > 0 && hops.every((n) => n > 0)), `a path sourced on every hop: ${JSON.stringify(paths)}`);
assert.equal(paths.length, plan.paths);
ok('paths with their evidence', { paths });

// 7. The console runs a query and shows its JSON; a bad one shows its code.
await page.click('#nav-console');
await page.locator('#console-query').fill('{ entity(id: "att") { name } }');
await page.locator('#console-query').press('Control+Enter');
await page.locator('#console-result', { hasText: '"name": "AT&T"' }).waitFor();
await page.locator('.schema-type summary', { hasText: 'Query' }).first().waitFor();
await page.locator('#console-query').fill('{ entiti(id: "att") { name } }');
await page.click('#console-run');
const code = page.locator('#console-errors .code-name');
await code.first().waitFor();
const codes = await code.allInnerTexts();
assert.deepEqual(codes, ['GRAPHQL_VALIDATION_FAILED']);
ok('the console', { codes });

// 8. An edit on disk: the page hears it, says so and redraws on the new version.
await page.goto(`${base}/?e=${plan.live.entity}`);
await page.locator('#entity-name').waitFor();
await page.locator('#version.live-on').waitFor();
const version = await page.locator('#version').getAttribute('data-version');
const file = fs.readFileSync(plan.live.file, 'utf8');
assert.ok(file.includes(plan.live.from));
fs.writeFileSync(plan.live.file, file.replace(plan.live.from, plan.live.to));
await page.locator('#live:not([hidden])').waitFor({ timeout: 20000 });
await page.locator('.description', { hasText: plan.live.shows }).waitFor();
const now = await page.locator('#version').getAttribute('data-version');
assert.notEqual(now, version);
ok('a change is heard and shown', { from: version, to: now });

// 9. Readable on a narrow screen: nothing wider than the screen.
await page.setViewportSize({ width: 390, height: 800 });
await page.goto(`${base}/?e=mate-10-pro&asOf=2018-02`);
await page.locator('svg.graph').waitFor();
const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
assert.ok(overflow <= 0, `the page is ${overflow}px wider than a narrow screen`);
ok('a narrow screen');

await browser.close();

// How long the explorer takes a person on a big market (bench/explorer.sh starts the server):
// a search typed a letter at a time, and opening the most connected entity of each of a few
// kinds, until its relations are listed and its neighbourhood drawn. Prints one line a step.

import { chromium } from 'playwright-core';

const [base, ...ids] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.PHONEGRAPH_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
page.setDefaultTimeout(60000);
const errors = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(e.message));

const time = async (label, work) => {
  const started = performance.now();
  await work();
  console.log(`${label.padEnd(48)} ${Math.round(performance.now() - started)} ms`);
};

await time('page loaded, start list drawn', async () => {
  await page.goto(`${base}/`);
  await page.locator('.home').waitFor();
});
for (const word of ['vendor', 'carrier 1']) {
  await page.fill('#search', '');
  for (let i = 1; i <= word.length; i++) {
    await time(`search "${word.slice(0, i)}": hits shown`, async () => {
      await page.locator('#search').press(word[i - 1] === ' ' ? 'Space' : word[i - 1]);
      await page.waitForFunction((text) => {
        const box = document.getElementById('search-results');
        return !box.hidden && box.dataset.text === text;
      }, word.slice(0, i));
    });
  }
}
for (const id of ids) {
  await time(`open ${id}: relations listed, graph drawn`, async () => {
    await page.goto(`${base}/?e=${encodeURIComponent(id)}`);
    await page.locator('.graph-panel svg.graph, .graph-panel .error').first().waitFor();
  });
  const more = await page.locator('.more').allInnerTexts();
  console.log(`  ${more.join(' | ')}`);
  await time(`  as of 2020-06`, async () => {
    await page.goto(`${base}/?e=${encodeURIComponent(id)}&asOf=2020-06`);
    await page.locator('.graph-panel svg.graph, .graph-panel .error').first().waitFor();
  });
}
console.log(errors.length ? `console errors: ${errors.join(' | ')}` : 'no console errors');
await browser.close();

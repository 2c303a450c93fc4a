// Screenshots of /demo and of a blog page for looking at the embed by eye:
// `node tests/browser/screenshots.mjs OUT_DIR` (after `cargo build`).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchBrowser, startCauserie, startHost } from './harness.mjs';

const out = path.resolve(process.argv[2] || 'target/screenshots');
mkdirSync(out, { recursive: true });
const host = await startHost();
const api = await startCauserie({ origins: [host.url] });
const browser = await launchBrowser();
try {
  // A few comments to look at: a thread with a reply, a link, a website.
  const post = async (body) => {
    const res = await fetch(`${api.url}/api/v1/comments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ page: '/demo', title: 'Demo', email: 'x@example.org', ...body }),
    });
    return (await res.json()).comment;
  };
  const a = await post({ author: 'Camille', website: 'https://camille.example.org', body: 'Très bon article, merci.\n\nLa question de la <b>souveraineté</b> reste entière.' });
  const b = await post({ author: 'Dominique', parent: a.id, body: 'Tout à fait d’accord, voir https://example.org/cloud' });
  await post({ author: 'Alex', parent: b.id, body: '<blockquote>Tout à fait d’accord</blockquote>Pas moi !' });
  await post({ author: 'Sam', body: 'Et <code>OpenStack</code> dans tout ça ?' });
  const shots = [
    ['demo-fr-light', '/demo', { colorScheme: 'light' }],
    ['demo-fr-dark', '/demo', { colorScheme: 'dark' }],
    ['demo-en-light', '/demo?lang=en', { colorScheme: 'light' }],
    ['demo-fr-mobile', '/demo', { colorScheme: 'light', viewport: { width: 380, height: 800 } }],
  ];
  for (const [name, url, opts] of shots) {
    const ctx = await browser.newContext({ viewport: { width: 1000, height: 900 }, ...opts });
    const page = await ctx.newPage();
    page.on('console', (m) => console.log(name, m.type(), m.text()));
    await page.goto(api.url + url);
    await page.waitForSelector('#causerie .causerie-form');
    await page.locator('#causerie').screenshot({ path: path.join(out, name + '.png') });
    if (name === 'demo-fr-light') {
      await page.click('#causerie .causerie-form [type=submit]');
      await page.waitForSelector('#causerie .causerie-alert:not(:empty)');
      await page.locator('#causerie .causerie-respond').screenshot({ path: path.join(out, 'demo-fr-errors.png') });
      await page.locator('#causerie .causerie-comment').first().locator('.causerie-action').first().click();
      await page.locator('#causerie').screenshot({ path: path.join(out, 'demo-fr-reply.png') });
    }
    await ctx.close();
  }
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${host.url}/blog/hello?api=${api.url}`);
  await page.waitForSelector('#causerie .causerie-form');
  await page.screenshot({ path: path.join(out, 'host-en.png'), fullPage: true });
  // One's own comment, just posted: its actions, the success message, a focused button.
  await page.fill('#causerie-body', 'My own comment, with <em>emphasis</em>.');
  await page.fill('#causerie-author', 'Kim');
  await page.fill('#causerie-email', 'kim@example.org');
  await page.click('#causerie .causerie-form [type=submit]');
  await page.waitForSelector('#causerie .causerie-comment');
  await page.keyboard.press('Tab');
  await page.locator('#causerie').screenshot({ path: path.join(out, 'host-en-own.png') });
  await page.click('#causerie .causerie-actions button:nth-child(3)');
  // Deleting comes with extra.js, fetched at the first press.
  await page.waitForSelector('#causerie .causerie-confirm');
  await page.locator('#causerie .causerie-list').screenshot({ path: path.join(out, 'host-en-confirm.png') });
  await ctx.close();
  // A comment reached by its link, highlighted; another's report form, with an error;
  // a comment erased by its author, above its replies (the API's answer rewritten).
  for (const scheme of ['light', 'dark']) {
    const c = await browser.newContext({ viewport: { width: 1000, height: 900 }, colorScheme: scheme, reducedMotion: 'reduce' });
    const p = await c.newPage();
    await p.goto(`${api.url}/demo?lang=en#causerie-c${b.id}`);
    await p.waitForSelector('#causerie .causerie-is-target');
    await p.locator('#causerie .causerie-list').screenshot({ path: path.join(out, `demo-en-target-${scheme}.png`) });
    await p.locator(`#causerie-c${a.id} .causerie-actions button`, { hasText: 'Report' }).first().click();
    await p.waitForSelector('#causerie .causerie-report');
    await p.locator('#causerie .causerie-report button[type=submit]').click();
    await p.waitForSelector('#causerie .causerie-report .causerie-field-error:not([hidden])');
    await p.locator(`#causerie-c${a.id} > .causerie-card`).screenshot({ path: path.join(out, `demo-en-report-${scheme}.png`) });
    await p.route(
      (u) => u.pathname === '/api/v1/comments',
      async (route) => {
        const res = await route.fetch();
        const json = await res.json();
        json.comments[0] = { id: json.comments[0].id, parent: null, deleted: true };
        await route.fulfill({ response: res, json });
      }
    );
    await p.reload();
    await p.waitForSelector('#causerie .causerie-is-gone');
    await p.locator('#causerie .causerie-list').screenshot({ path: path.join(out, `demo-en-removed-${scheme}.png`) });
    await c.close();
  }
  console.log('screenshots in', out);
} finally {
  await browser.close();
  await api.stop();
  await host.stop();
}

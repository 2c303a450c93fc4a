// The embed as readers meet it, in headless Chromium: the snippet on a blog served
// from another origin than Causerie's, the demo page under its CSP, the no-JS
// fallback, both languages, both themes, the keyboard only, axe-core, and never a
// request to a third origin. Run: `node --test tests/browser/` after `cargo build`
// and `npm ci --prefix tests/browser` (the Rust wrapper tests/browser.rs does both).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { atAPersonsPace, launchBrowser, startCauserie, startHost } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let host, api, held, browser;
// Every URL any page asked for: checked at the end against the allowed origins.
const requested = [];

before(async () => {
  host = await startHost();
  // The bot defences are on, as on a real site: every post below waits as a person
  // would, and one that does not is held (see 'a form sent sooner…').
  api = await startCauserie({ moderation: 'none', origins: [host.url], botChecks: true });
  held = await startCauserie({ moderation: 'first_time', origins: [host.url], botChecks: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await api?.stop();
  await held?.stop();
  await host?.stop();
});

/** A fresh reader: own storage, every request recorded, page errors fatal. */
async function reader(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, ...options });
  context.on('request', (r) => requested.push(r.url()));
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  return { context, page };
}

const blog = (slug, params = {}) =>
  `${host.url}/blog/${slug}?${new URLSearchParams({ api: api.url, ...params })}`;

async function open(page, url) {
  await page.goto(url);
  await page.locator('#causerie .causerie-form, #causerie .causerie-notice').first().waitFor();
  page.formShown = Date.now();
}

async function fill(page, fields) {
  for (const [name, value] of Object.entries(fields)) await page.fill(`#causerie-${name}`, value);
}

const SEND = '#causerie .causerie-form button[type=submit]';
async function submit(page) {
  await atAPersonsPace(page);
  await page.click(SEND);
}
const comments = (page) => page.locator('#causerie .causerie-comment');
const READER = { author: 'Camille', email: 'camille@example.org', website: 'https://camille.example.org' };

async function axe(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run('#causerie', { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [],
    'axe-core found serious violations'
  );
}

test('the snippet renders the form on another origin, with the seed’s sentences', async () => {
  const { context, page } = await reader();
  await open(page, blog('first', { lang: 'en' }));
  const root = page.locator('#causerie');
  await assert.doesNotReject(root.getByText('No comments yet.').waitFor());
  assert.equal(await root.locator('h3').textContent(), 'Leave a comment');
  const text = await root.textContent();
  assert.match(text, /Your email address will not be published\./);
  assert.match(text, /You may use these HTML tags and attributes: <a href="" title=""> .*<strong>/);
  // Real labels for every field, the required ones marked.
  for (const [name, label] of [['body', 'Comment'], ['author', 'Name'], ['email', 'Email'], ['website', 'Website']]) {
    assert.equal(await page.getByRole('textbox', { name: label }).getAttribute('id'), `causerie-${name}`);
  }
  assert.equal(await page.getAttribute('#causerie-author', 'aria-required'), 'true');
  assert.equal(await page.getAttribute('#causerie-website', 'aria-required'), null);
  await page.getByLabel('Notify me of replies by email').waitFor();
  await page.getByLabel('Remember my name, email and website on this device').waitFor();
  // The host's rude `button { background: #e91e63 }` does not reach ours.
  const bg = await page.$eval('#causerie button[type=submit]', (b) => getComputedStyle(b).backgroundColor);
  assert.notEqual(bg, 'rgb(233, 30, 99)');
  await axe(page);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('missing fields: each error beside its field, announced, the text kept', async () => {
  const { context, page } = await reader();
  await open(page, blog('errors', { lang: 'en' }));
  await fill(page, { body: 'My unfinished thoughts', website: 'not a url' });
  await submit(page);
  const alert = page.locator('#causerie [role=alert]').first();
  await alert.filter({ hasText: /\S/ }).waitFor();
  assert.equal(await alert.textContent(), 'Please check the fields marked below.');
  for (const name of ['author', 'email', 'website']) {
    const input = page.locator(`#causerie-${name}`);
    assert.equal(await input.getAttribute('aria-invalid'), 'true', name);
    assert.equal(await input.getAttribute('aria-describedby'), `causerie-${name}-error`);
    assert.ok((await page.textContent(`#causerie-${name}-error`)).length > 5, name);
  }
  assert.equal(await page.textContent('#causerie-author-error'), 'This field is required.');
  assert.match(await page.textContent('#causerie-website-error'), /http:\/\/ or https:\/\//);
  assert.equal(await page.getAttribute('#causerie-body', 'aria-invalid'), null);
  // Nothing typed is lost, and focus is on the first field to fix.
  assert.equal(await page.inputValue('#causerie-body'), 'My unfinished thoughts');
  assert.equal(await page.inputValue('#causerie-website'), 'not a url');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'causerie-author');
  await axe(page);
  await context.close();
});

test('post, reload, reply in place, edit and delete one’s own comment', async () => {
  const { context, page } = await reader();
  const url = blog('lifecycle', { lang: 'en' });
  await open(page, url);
  await fill(page, { ...READER, body: 'First!\n\nA <b>bold</b> claim.' });
  const sent = page.waitForRequest((r) => r.method() === 'POST');
  await submit(page);
  await comments(page).first().waitFor();
  // The form's signed start time and its empty honeypot go along (spam defences).
  const json = (await sent).postDataJSON();
  assert.equal(typeof json.form_token, 'string');
  assert.equal(json.homepage, '');
  assert.equal(json.page, '/blog/lifecycle');
  assert.equal(json.title, 'Post lifecycle');
  assert.match(await page.textContent('#causerie [role=status]'), /Your comment is published\. You can edit or delete it until/);
  assert.equal(await page.textContent('#causerie .causerie-heading'), '1 comment');

  await page.reload();
  const first = comments(page).first();
  await first.waitFor();
  assert.equal(await first.locator('.causerie-body b').textContent(), 'bold');
  const author = first.locator('a.causerie-author');
  assert.equal(await author.textContent(), 'Camille');
  assert.equal(await author.getAttribute('href'), 'https://camille.example.org/');
  assert.match(await author.getAttribute('rel'), /nofollow ugc/);
  assert.match(await first.locator('img.causerie-avatar').getAttribute('src'), /\/avatar\/[0-9a-f]+\.svg$/);
  const time = first.locator('time');
  assert.ok(!Number.isNaN(Date.parse(await time.getAttribute('datetime'))));
  assert.ok((await time.getAttribute('title')).length > 8, 'the exact date on hover');
  assert.equal(await time.textContent(), 'just now');

  // Reply in place: the form moves under the comment and takes the focus.
  await first.getByRole('button', { name: 'Reply to Camille' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'causerie-body');
  assert.equal(await first.locator('.causerie-respond h3').textContent(), 'Reply to Camille');
  // Not remembered: after the reload the reader types their name again.
  await fill(page, { ...READER, body: 'Replying to myself.' });
  await submit(page);
  const reply = first.locator('.causerie-replies .causerie-comment');
  await reply.waitFor();
  assert.match(await reply.textContent(), /Replying to myself\./);
  // The form went back to the bottom, the new reply has the focus.
  assert.equal(await page.locator('#causerie .causerie-thread > .causerie-respond').count(), 1);
  assert.equal(await page.evaluate(() => document.activeElement.closest('.causerie-comment')?.textContent.includes('Replying to myself.')), true);

  // Edit: the reader's own text comes back in the box.
  const card = first.locator('> .causerie-card');
  await card.getByRole('button', { name: 'Edit' }).click();
  const box = card.locator('textarea');
  assert.equal(await box.inputValue(), 'First!\n\nA <b>bold</b> claim.');
  await box.fill('First, edited.');
  await card.getByRole('button', { name: 'Save' }).click();
  await card.locator('.causerie-body', { hasText: 'First, edited.' }).waitFor();
  await card.locator('.causerie-edited').waitFor();
  assert.equal(await page.textContent('#causerie [role=status]'), 'Your comment was updated.');

  // Delete the reply, after confirming.
  const replyCard = reply.locator('> .causerie-card');
  await replyCard.getByRole('button', { name: 'Delete' }).click();
  await replyCard.getByRole('button', { name: 'Yes, delete' }).click();
  await page.locator('#causerie [role=status]', { hasText: 'Your comment was deleted.' }).waitFor();
  assert.equal(await comments(page).count(), 1);
  assert.equal(await page.textContent('#causerie .causerie-heading'), '1 comment');

  // Another reader sees the edited comment, without any edit button.
  const other = await reader();
  await open(other.page, url);
  await comments(other.page).first().waitFor();
  assert.match(await other.page.textContent('#causerie .causerie-list'), /First, edited\./);
  assert.equal(await other.page.locator('#causerie .causerie-list button', { hasText: 'Edit' }).count(), 0);
  await other.context.close();
  await axe(page);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('remember me: only when ticked, and unticking forgets', async () => {
  const { context, page } = await reader();
  const url = blog('remember', { lang: 'en' });
  await open(page, url);
  await fill(page, { ...READER, body: 'Not remembered.' });
  await submit(page);
  await comments(page).first().waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('causerie.identity')), null);
  await page.check('#causerie-remember');
  await fill(page, { body: 'Remembered.' });
  await submit(page);
  await comments(page).nth(1).waitFor();
  assert.deepEqual(JSON.parse(await page.evaluate(() => localStorage.getItem('causerie.identity'))), {
    author: 'Camille',
    email: 'camille@example.org',
    website: 'https://camille.example.org',
  });
  await page.reload();
  await page.locator('#causerie-author').waitFor();
  assert.equal(await page.inputValue('#causerie-email'), 'camille@example.org');
  assert.equal(await page.isChecked('#causerie-remember'), true);
  await page.uncheck('#causerie-remember');
  assert.equal(await page.evaluate(() => localStorage.getItem('causerie.identity')), null);
  // Only the identity and the edit tokens are kept on the device.
  const keys = await page.evaluate(() => Object.keys(localStorage).sort());
  assert.deepEqual(keys, ['causerie.tokens']);
  await context.close();
});

test('a held comment shows to its author as awaiting moderation, to no one else', async () => {
  const { context, page } = await reader();
  const url = blog('held', { api: held.url, lang: 'en' });
  await open(page, url);
  await fill(page, { ...READER, body: 'Please approve me.' });
  await submit(page);
  const mine = comments(page).first();
  await mine.waitFor();
  assert.match(await page.textContent('#causerie [role=status]'), /awaiting moderation/);
  assert.equal(await mine.locator('.causerie-pending').textContent(), 'Awaiting moderation');
  await page.reload();
  await comments(page).first().locator('.causerie-pending').waitFor();
  assert.equal(await page.textContent('#causerie .causerie-heading'), 'Comments');
  await axe(page);
  const other = await reader();
  await open(other.page, url);
  assert.equal(await comments(other.page).count(), 0);
  await other.context.close();
  await context.close();
});

test('a form sent sooner than a person could is held, and its author still sees it', async () => {
  const { context, page } = await reader();
  const url = blog('hasty', { lang: 'en' });
  await open(page, url);
  // Filled by a program and sent at once: the bot defence is on in these tests.
  await fill(page, { ...READER, body: 'Sent in a hurry.' });
  await page.click(SEND);
  const mine = comments(page).first();
  await mine.waitFor();
  assert.match(await page.textContent('#causerie [role=status]'), /awaiting moderation/);
  assert.equal(await mine.locator('.causerie-pending').textContent(), 'Awaiting moderation');
  // Kept, not published: nobody else sees it.
  const list = await (await fetch(`${api.url}/api/v1/comments?page=/blog/hasty`)).json();
  assert.equal(list.count, 0);
  // The same reader at a person's pace, on the same page: published.
  await page.reload();
  await page.locator('#causerie .causerie-form').waitFor();
  page.formShown = Date.now();
  await fill(page, { ...READER, body: 'Sent at my own pace.' });
  await submit(page);
  await page.locator('#causerie .causerie-comment', { hasText: 'Sent at my own pace.' }).waitFor();
  assert.match(await page.textContent('#causerie [role=status]'), /Your comment is published\./);
  const after = await (await fetch(`${api.url}/api/v1/comments?page=/blog/hasty`)).json();
  assert.equal(after.count, 1);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the honeypot is out of a reader’s way: off the page, out of the Tab order, not autocompleted', async () => {
  const { context, page } = await reader();
  await open(page, blog('trap', { lang: 'en' }));
  const trap = page.locator('#causerie input[name=homepage]');
  assert.equal(await trap.count(), 1);
  // Off the page's left edge, in a box of one pixel.
  const box = await trap.boundingBox();
  assert.ok(box.x + box.width <= 0, `the trap is on the page at ${JSON.stringify(box)}`);
  assert.equal(await trap.getAttribute('tabindex'), '-1');
  assert.equal(await trap.getAttribute('autocomplete'), 'off');
  assert.equal(await trap.evaluate((e) => e.closest('[aria-hidden=true]') !== null), true);
  // Posted, it goes along empty and the comment is published.
  await fill(page, { ...READER, body: 'Nothing in the trap.' });
  const sent = page.waitForRequest((r) => r.method() === 'POST');
  await submit(page);
  assert.equal((await sent).postDataJSON().homepage, '');
  await page.locator('#causerie .causerie-comment', { hasText: 'Nothing in the trap.' }).waitFor();
  await context.close();
});

test('a form left open over a day is sent again with the fresh token of its refusal', async () => {
  const { context, page } = await reader();
  await open(page, blog('stale', { lang: 'en' }));
  await fill(page, { ...READER, body: 'Typed yesterday.' });
  // The server's answer to a day-old token (tests/api/abuse.rs checks the server side),
  // carrying a real token of this page, issued a second later than the form's.
  await page.waitForTimeout(1100);
  const cfg = await (await fetch(`${api.url}/api/v1/config?page=/blog/stale`)).json();
  await page.route('**/api/v1/comments', (route) =>
    route.fulfill({
      status: 403,
      contentType: 'application/json',
      headers: { 'Access-Control-Allow-Origin': host.url },
      body: JSON.stringify({ error: 'token_expired', message: 'This form is too old; please send it again.', form_token: cfg.form_token }),
    }),
    { times: 1 },
  );
  const first = page.waitForRequest((r) => r.method() === 'POST');
  await submit(page);
  assert.notEqual((await first).postDataJSON().form_token, cfg.form_token);
  await page.waitForFunction(() => document.querySelector('#causerie [role=alert]')?.textContent.includes('too old'));
  assert.equal(await page.inputValue('#causerie-body'), 'Typed yesterday.');
  const again = page.waitForRequest((r) => r.method() === 'POST');
  await page.click(SEND);
  assert.equal((await again).postDataJSON().form_token, cfg.form_token);
  await page.locator('#causerie .causerie-comment', { hasText: 'Typed yesterday.' }).waitFor();
  await context.close();
});

test('a network failure says so and keeps the text', async () => {
  const { context, page } = await reader();
  await open(page, blog('offline', { lang: 'en' }));
  await page.route('**/api/v1/comments', (route) =>
    route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue()
  );
  await fill(page, { ...READER, body: 'Typed on a train.' });
  await submit(page);
  const alert = page.locator('#causerie .causerie-alert');
  await alert.filter({ hasText: /\S/ }).waitFor();
  assert.match(await alert.textContent(), /could not be reached.*your text is kept/);
  assert.equal(await page.inputValue('#causerie-body'), 'Typed on a train.');
  assert.equal(await page.isEnabled('#causerie .causerie-form button[type=submit]'), true);
  await page.unroute('**/api/v1/comments');
  await submit(page);
  await comments(page).first().waitFor();
  await context.close();
});

test('the button is disabled and says so while sending', async () => {
  const { context, page } = await reader();
  await open(page, blog('slow', { lang: 'en' }));
  let release;
  const gate = new Promise((r) => (release = r));
  await page.route('**/api/v1/comments', async (route) => {
    if (route.request().method() === 'POST') await gate;
    await route.continue();
  });
  await fill(page, { ...READER, body: 'Slowly.' });
  await submit(page);
  const button = page.locator('#causerie .causerie-form button[type=submit]');
  await assert.doesNotReject(button.filter({ hasText: 'Sending…' }).waitFor());
  assert.equal(await button.isDisabled(), true);
  assert.equal(await page.getAttribute('#causerie .causerie-form', 'aria-busy'), 'true');
  release();
  await comments(page).first().waitFor();
  assert.equal(await button.textContent(), 'Post comment');
  await context.close();
});

test('French from the page’s lang, server messages in French too', async () => {
  const { context, page } = await reader();
  await open(page, blog('fr', { pagelang: 'fr-FR' }));
  const root = page.locator('#causerie');
  assert.equal(await root.getAttribute('lang'), 'fr');
  assert.equal(await root.locator('h3').textContent(), 'Laisser un commentaire');
  const text = await root.textContent();
  assert.match(text, /Votre adresse de messagerie ne sera pas publiée\./);
  assert.match(text, /Vous pouvez utiliser ces balises et attributs HTML/);
  assert.match(text, /Pas encore de commentaire\./);
  await page.getByRole('textbox', { name: 'Adresse de messagerie' }).waitFor();
  await submit(page);
  await page.locator('#causerie-body-error', { hasText: 'Ce champ est obligatoire.' }).waitFor();
  await fill(page, { ...READER, body: 'Bel article.' });
  await submit(page);
  await comments(page).first().waitFor();
  assert.match(await page.textContent('#causerie [role=status]'), /Votre commentaire est publié\./);
  assert.equal(await page.textContent('#causerie .causerie-heading'), '1 commentaire');
  assert.equal(await comments(page).first().locator('time').textContent(), 'à l’instant');
  await axe(page);
  await context.close();
});

test('the keyboard alone: reply, type, send, cancel with Escape', async () => {
  const { context, page } = await reader();
  const url = blog('keyboard', { lang: 'en' });
  await fetch(`${api.url}/api/v1/comments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ page: '/blog/keyboard', title: 'K', author: 'Dominique', email: 'd@example.org', body: 'Hello keyboard.' }),
  });
  await open(page, url);
  await comments(page).first().waitFor();
  const focused = () =>
    page.evaluate(() => {
      const a = document.activeElement;
      return a ? a.getAttribute('aria-label') || a.id || a.textContent : '';
    });
  // Tab from the top of the page to the reply button.
  let steps = 0;
  while ((await focused()) !== 'Reply to Dominique') {
    await page.keyboard.press('Tab');
    assert.ok(++steps < 20, 'the reply button is reachable with Tab');
  }
  // Its focus is visible.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.equal(outline, 'solid');
  await page.keyboard.press('Enter');
  assert.equal(await focused(), 'causerie-body');
  // Escape puts the form back and the focus on the reply button.
  await page.keyboard.press('Escape');
  assert.equal(await focused(), 'Reply to Dominique');
  assert.equal(await page.locator('#causerie .causerie-thread > .causerie-respond').count(), 1);
  await page.keyboard.press('Enter');
  await page.keyboard.type('Answered with the keyboard.');
  for (const value of ['Kim', 'kim@example.org']) {
    await page.keyboard.press('Tab');
    await page.keyboard.type(value);
  }
  // Website (empty), notify, remember, then the button: never the honeypot.
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    assert.notEqual(await page.evaluate(() => document.activeElement.name), 'homepage');
  }
  assert.equal(await focused(), 'Post comment');
  await atAPersonsPace(page);
  await page.keyboard.press('Enter');
  const reply = page.locator('#causerie .causerie-replies .causerie-comment');
  await reply.waitFor();
  assert.match(await reply.textContent(), /Kim.*Answered with the keyboard\./s);
  await context.close();
});

test('count.js fills every placeholder from one request', async () => {
  const post = (p) =>
    fetch(`${api.url}/api/v1/comments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ page: p, title: p, author: 'A', email: 'a@example.org', body: `On ${p} ${Math.random()}` }),
    });
  await post('/count/a');
  await post('/count/a');
  await post('/count/b');
  const { context, page } = await reader();
  const counts = [];
  page.on('request', (r) => r.url().includes('/api/v1/counts') && counts.push(r.url()));
  await page.goto(`${host.url}/index?${new URLSearchParams({ api: api.url, pages: '/count/a,/count/b,/count/none' })}`);
  const cell = (p) => page.locator(`li [data-causerie-count="${p}"]`);
  await cell('/count/a').filter({ hasText: 'comments' }).waitFor();
  assert.equal(await cell('/count/a').textContent(), '2 comments');
  assert.equal(await cell('/count/b').textContent(), '1 comment');
  assert.equal(await cell('/count/none').textContent(), '0 comments');
  assert.equal(await page.textContent('#bare'), '2');
  assert.equal(counts.length, 1);
  await context.close();
});

test('the dark theme follows the system, and a site can pin it', async () => {
  const colours = async (options, params = {}) => {
    const { context, page } = await reader(options);
    await open(page, blog('theme', { lang: 'en', ...params }));
    const c = await page.$eval('#causerie', (e) => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]);
    if (options.colorScheme === 'dark' || params.theme === 'dark') await axe(page);
    await context.close();
    return c;
  };
  const light = await colours({ colorScheme: 'light' });
  const dark = await colours({ colorScheme: 'dark' });
  assert.notDeepEqual(dark, light);
  assert.deepEqual(await colours({ colorScheme: 'light' }, { theme: 'dark' }), dark);
  assert.deepEqual(await colours({ colorScheme: 'dark' }, { theme: 'light' }), light);
});

test('/demo embeds the script under its CSP, and works', async () => {
  const { context, page } = await reader();
  const problems = [];
  page.on('console', (m) => {
    // Failed loads (favicon 404, the 422 of a form with errors) are not problems.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text());
  });
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective))
  );
  await open(page, `${api.url}/demo`);
  assert.equal(await page.getAttribute('script[src="/embed.js"]', 'data-page'), '/demo');
  assert.equal(await page.locator('#causerie h3').textContent(), 'Laisser un commentaire');
  await fill(page, { ...READER, body: 'Sur la démo.' });
  await submit(page);
  await comments(page).first().waitFor();
  await open(page, `${api.url}/demo?lang=en`);
  assert.equal(await page.locator('#causerie h3').textContent(), 'Leave a comment');
  assert.deepEqual(problems, []);
  assert.deepEqual(page.errors, []);
  await context.close();
  // axe-core is injected as an inline script, which the CSP rightly refuses.
  const audit = await reader({ bypassCSP: true });
  await open(audit.page, `${api.url}/demo`);
  await comments(audit.page).first().waitFor();
  await axe(audit.page);
  await audit.context.close();
});

test('without JavaScript, /demo links to /t, whose plain form works', async () => {
  const { context, page } = await reader({ javaScriptEnabled: false });
  await page.goto(`${api.url}/demo`);
  const link = page.locator('noscript a, a[href^="/t?"]').first();
  // The thread of the demo's site: the only one here, `default`.
  assert.match(await link.getAttribute('href'), /^\/t\?site=default&page=%2Fdemo/);
  await link.click();
  await page.waitForURL(/\/t\?site=default&page=%2Fdemo/);
  page.formShown = Date.now();
  await page.fill('#cz-body', 'Sans JavaScript.');
  await page.fill('#cz-author', 'Lectrice');
  await page.fill('#cz-email', 'lectrice@example.org');
  await atAPersonsPace(page);
  await page.click('form#causerie-form button[type=submit]');
  await page.waitForURL(/\/t\?(.*&)?page=%2Fdemo.*posted=/);
  assert.match(await page.textContent('.cz-comments'), /Sans JavaScript\./);
  await context.close();
});

test('the embed files are cacheable, versioned and within 10 KB gzipped', async () => {
  const res = await fetch(`${api.url}/embed.js`);
  const etag = res.headers.get('etag');
  assert.ok(etag);
  assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
  const js = await res.text();
  const v = /embed\.css\?v=([0-9a-f]+)/.exec(js)[1];
  const css = await fetch(`${api.url}/embed.css?v=${v}`);
  assert.equal(css.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.match(css.headers.get('content-type'), /^text\/css; charset=utf-8/);
  const again = await fetch(`${api.url}/embed.js`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  let total = 0;
  for (const f of ['embed.js', 'embed.css']) {
    const r = await fetch(`${api.url}/${f}`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(r.headers.get('content-encoding'), 'gzip');
    // A missing length must fail, not count as 0 bytes.
    const length = r.headers.get('content-length');
    assert.match(length ?? '', /^[1-9][0-9]*$/, `${f}: Content-Length ${length}`);
    total += Number(length);
  }
  assert.ok(total <= 10000, `embed.js + embed.css are ${total} bytes gzipped`);
  // What few readers need comes later, from the versioned URL the script names: a
  // module, so with CORS (the page's origin is not Causerie's).
  const x = /\/embed-extra\.js\?v=([0-9a-f]{16})/.exec(js);
  assert.ok(x, 'embed.js imports the versioned extra.js');
  const extra = await fetch(`${api.url}/embed-extra.js?v=${x[1]}`, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(extra.status, 200);
  assert.equal(extra.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(extra.headers.get('access-control-allow-origin'), '*');
  assert.match(extra.headers.get('content-type'), /^text\/javascript/);
  assert.equal(extra.headers.get('content-encoding'), 'gzip');
  const plain = await fetch(`${api.url}/embed-extra.js`);
  assert.equal(plain.headers.get('cache-control'), 'public, max-age=300');
  assert.equal((await fetch(`${api.url}/embed-extra.js`, { headers: { 'If-None-Match': plain.headers.get('etag') } })).status, 304);
  console.log(`first load: ${total} bytes gzipped; extra.js: ${extra.headers.get('content-length')} bytes gzipped`);
});

test('no page asked anything of a third origin', () => {
  assert.ok(requested.length > 20, 'the tests made requests');
  const allowed = new Set([new URL(api.url).origin, new URL(held.url).origin, new URL(host.url).origin]);
  const foreign = requested.filter((u) => !u.startsWith('data:') && !allowed.has(new URL(u).origin));
  assert.deepEqual(foreign, []);
});

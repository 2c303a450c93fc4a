// Readers' rights and reports in the embed (SPEC section 14), in headless Chromium:
// a link to one comment lands on it and highlights it (and follows the fragment when
// it changes), the Link control copies the comment's address, the Report control
// opens a form that works with the keyboard alone and sends the report, a comment
// its author erased shows as a placeholder above its replies, the form links to the
// page where readers ask for their data, axe-core finds nothing serious, and what
// few readers need (extra.js) is fetched only when one of them needs it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { atAPersonsPace, launchBrowser, startCauserie, startHost, startMailbox } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let host, api, mailbox, browser;
// Every URL any page asked for: checked at the end against the allowed origins.
const requested = [];

before(async () => {
  host = await startHost();
  mailbox = await startMailbox();
  // The bot defences are on, as on a real site (comments are posted through the API,
  // as a program would, before the pages open; the one posted in a page waits as a
  // person would). Mail goes to the mailbox, where the tests read their links.
  api = await startCauserie({ moderation: 'none', origins: [host.url], botChecks: true, smtp: mailbox.url });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await api?.stop();
  await host?.stop();
  await mailbox?.stop();
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
  `${host.url}/blog/${slug}?${new URLSearchParams({ api: api.url, lang: 'en', ...params })}`;

async function open(page, url) {
  await page.goto(url);
  await page.locator('#causerie .causerie-form, #causerie .causerie-notice').first().waitFor();
}

/** Posts a comment through the API; resolves to its id. */
async function post(slug, author, body, parent = null, email = 'x@example.org') {
  const res = await fetch(`${api.url}/api/v1/comments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ page: `/blog/${slug}`, title: slug, parent, author, email, body }),
  });
  const json = await res.json();
  assert.equal(res.status, 201, JSON.stringify(json));
  assert.equal(json.status, 'approved');
  return json.comment.id;
}

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

/** Whether the card of comment `id` is wholly in the viewport. */
const inView = (page, id) =>
  page.$eval(`#causerie-c${id} > .causerie-card`, (e) => {
    const r = e.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= innerHeight;
  });
const target = (page) => page.locator('#causerie .causerie-is-target');

/** The accessible name (or else id, or text) of the focused element. */
const focused = (page) =>
  page.evaluate(() => {
    const a = document.activeElement;
    return a ? a.getAttribute('aria-label') || a.id || a.textContent : '';
  });

// A long thread, posted once: 40 comments, the 38th with a reply.
let long;
async function longThread() {
  if (long) return long;
  const ids = [];
  for (let i = 1; i <= 40; i++) ids.push(await post('long', i === 38 ? 'Ana' : `Reader ${i}`, `Comment number ${i}.`));
  const reply = await post('long', 'Bo', 'A reply far down.', ids[37]);
  return (long = { ids, reply });
}

test('a link to a comment far down lands on it, highlighted; a new fragment moves the highlight', async () => {
  const { ids, reply } = await longThread();
  const { context, page } = await reader();
  // extra.js is for those who edit, delete or report: nobody here does.
  const extras = [];
  page.on('request', (r) => r.url().includes('/embed-extra.js') && extras.push(r.url()));
  await page.goto(blog('long') + `#causerie-c${ids[37]}`);
  await target(page).waitFor();
  assert.equal(await target(page).count(), 1);
  assert.equal(await page.getAttribute(`#causerie-c${ids[37]} > article`, 'class'), 'causerie-card causerie-is-target');
  assert.ok(await inView(page, ids[37]), 'the linked comment is in the viewport');
  assert.ok(await page.evaluate(() => scrollY > 2000), 'the page scrolled down to it');
  // It stands out: another background than its neighbours', and a bar of the accent.
  const look = (id) =>
    page.$eval(`#causerie-c${id} > .causerie-card`, (e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderInlineStartWidth]);
  assert.notDeepEqual(await look(ids[37]), await look(ids[36]));
  await axe(page);

  // Another fragment, as a link in the page or the reader's own typing would set it.
  await page.evaluate((id) => (location.hash = `#causerie-c${id}`), ids[3]);
  await page.locator(`#causerie-c${ids[3]} > .causerie-card.causerie-is-target`).waitFor();
  assert.equal(await target(page).count(), 1);
  assert.ok(await inView(page, ids[3]));
  // A reply, nested, is reached the same way.
  await page.evaluate((id) => (location.hash = `#causerie-c${id}`), reply);
  await page.locator(`#causerie-c${reply} > .causerie-card.causerie-is-target`).waitFor();
  assert.ok(await inView(page, reply));
  assert.equal(await target(page).count(), 1);
  // A fragment naming no comment highlights none.
  await page.evaluate(() => (location.hash = '#nothing'));
  await page.waitForFunction(() => !document.querySelector('#causerie .causerie-is-target'));
  assert.deepEqual(extras, []);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the highlight shows in the dark theme, and without motion for those who ask', async () => {
  const { ids } = await longThread();
  const { context, page } = await reader({ colorScheme: 'dark', reducedMotion: 'reduce' });
  await page.goto(blog('long') + `#causerie-c${ids[20]}`);
  await target(page).waitFor();
  const style = (id) =>
    page.$eval(`#causerie-c${id} > .causerie-card`, (e) => {
      const s = getComputedStyle(e);
      return { bg: s.backgroundColor, bar: s.borderInlineStartColor, animation: s.animationName };
    });
  const hit = await style(ids[20]);
  const other = await style(ids[21]);
  assert.notEqual(hit.bg, other.bg);
  // The dark theme's accent, not the light one's.
  assert.equal(hit.bar, 'rgb(124, 180, 255)');
  assert.equal(hit.animation, 'none');
  await axe(page);
  await context.close();
  // With motion allowed, the highlight glows once.
  const light = await reader({ colorScheme: 'light' });
  await light.page.goto(blog('long') + `#causerie-c${ids[20]}`);
  await target(light.page).waitFor();
  assert.equal(await target(light.page).evaluate((e) => getComputedStyle(e).animationName), 'causerie-glow');
  await light.context.close();
});

test('Link copies the comment’s absolute address and says so; without a clipboard, the address bar shows it', async () => {
  const id = await post('linked', 'Ana', 'Worth sharing.');
  const { context, page } = await reader();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.url });
  const url = blog('linked', { ref: 'x' });
  await open(page, url);
  const link = page.getByRole('button', { name: 'Link to Ana’s comment' });
  assert.equal(await link.textContent(), 'Link');
  await link.focus();
  await page.keyboard.press('Enter');
  const status = page.locator('#causerie [role=status]');
  await status.filter({ hasText: 'Link copied.' }).waitFor();
  // Seen by the button too, for a moment; its name stays.
  assert.equal(await link.textContent(), 'Link copied.');
  await link.filter({ hasText: /^Link$/ }).waitFor({ timeout: 5000 });
  assert.equal(await status.getAttribute('aria-live'), 'polite');
  // The page's address, its query kept, with the comment's fragment.
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${url}#causerie-c${id}`);
  await context.close();

  // A browser that refuses the clipboard: the fragment goes in the address bar instead.
  const other = await reader();
  await other.page.addInitScript(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('refused', 'NotAllowedError'));
  });
  await open(other.page, url);
  await other.page.getByRole('button', { name: 'Link to Ana’s comment' }).click();
  await other.page.locator('#causerie [role=status]', { hasText: 'The link is in the address bar.' }).waitFor();
  assert.equal(other.page.url(), `${url}#causerie-c${id}`);
  await other.page.locator(`#causerie-c${id} > .causerie-card.causerie-is-target`).waitFor();
  assert.deepEqual(other.page.errors, []);
  await other.context.close();
});

test('Report with the keyboard alone: open, a missing reason, choose one, send, Escape and Cancel', async () => {
  const id = await post('reported', 'Ana', 'Buy cheap pills.');
  const { context, page } = await reader();
  await open(page, blog('reported'));
  const extras = [];
  page.on('request', (r) => r.url().includes('/embed-extra.js') && extras.push(r.url()));
  let steps = 0;
  while ((await focused(page)) !== 'Report Ana’s comment') {
    await page.keyboard.press('Tab');
    assert.ok(++steps < 30, 'the Report button is reachable with Tab');
  }
  const button = page.getByRole('button', { name: 'Report Ana’s comment' });
  assert.equal(await button.textContent(), 'Report');
  assert.equal(await button.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'solid');
  await page.keyboard.press('Enter');
  // The form opens under the comment, the focus on its first reason.
  const form = page.getByRole('form', { name: 'Report Ana’s comment' });
  await form.waitFor();
  await page.waitForFunction((id) => document.activeElement?.id === `causerie-r${id}-spam`, id);
  assert.equal(extras.length, 1, 'extra.js fetched when Report is first pressed');
  assert.equal(await button.getAttribute('aria-expanded'), 'true');
  assert.equal(await page.locator(`#causerie-c${id} > .causerie-card .causerie-report`).count(), 1);
  const group = page.getByRole('radiogroup', { name: 'Why are you reporting this comment?' });
  assert.equal(await group.getAttribute('aria-required'), 'true');
  const labels = await group.locator('label').allTextContents();
  assert.deepEqual(labels, ['Spam', 'Abuse or harassment', 'Illegal content', 'Other']);
  assert.equal(await page.getAttribute(`#causerie-r${id}-detail`, 'maxlength'), '1000');
  await page.getByRole('textbox', { name: 'Your email, to hear the decision (optional)' }).waitFor();

  // Details typed, no reason chosen: the group's error, the text kept.
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), `causerie-r${id}-detail`);
  await page.keyboard.type('Selling pills, again.');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), `causerie-r${id}-email`);
  await page.keyboard.type('watcher@example.org');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'Send report');
  let posts = 0;
  page.on('request', (r) => r.url().endsWith('/report') && posts++);
  await page.keyboard.press('Enter');
  const error = page.locator(`#causerie-r${id}-reason-error`);
  await error.filter({ hasText: 'Please choose a reason.' }).waitFor();
  assert.equal(await group.getAttribute('aria-invalid'), 'true');
  assert.equal(await group.getAttribute('aria-describedby'), `causerie-r${id}-reason-error`);
  assert.equal(await page.getAttribute(`#causerie-r${id}-spam`, 'aria-describedby'), `causerie-r${id}-reason-error`);
  assert.equal(await focused(page), `causerie-r${id}-spam`);
  assert.equal(await page.inputValue(`#causerie-r${id}-detail`), 'Selling pills, again.');
  assert.equal(posts, 0);
  await axe(page);

  // An arrow key chooses the next reason, as in any radio group; then send.
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.isChecked(`#causerie-r${id}-abuse`), true);
  for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'Send report');
  const answer = page.waitForResponse((r) => r.url().endsWith(`/api/v1/comments/${id}/report`) && r.request().method() === 'POST');
  await page.keyboard.press('Enter');
  const res = await answer;
  assert.equal(res.status(), 202, await res.text());
  const json = await res.json();
  assert.equal(json.status, 'received');
  assert.deepEqual(res.request().postDataJSON(), { reason: 'abuse', detail: 'Selling pills, again.', email: 'watcher@example.org' });
  // The server's answer takes the form's place, announced; the focus is back on Report.
  const done = page.locator(`#causerie-c${id} .causerie-card [role=status]`);
  await done.filter({ hasText: /\S/ }).waitFor();
  assert.equal(await done.textContent(), json.message);
  assert.equal(await form.count(), 0);
  assert.equal(await focused(page), 'Report Ana’s comment');
  assert.equal(await button.getAttribute('aria-expanded'), 'false');

  // Opened again: Escape closes it, and the focus is back on Report.
  await page.keyboard.press('Enter');
  await form.waitFor();
  assert.equal(await done.count(), 0, 'the old answer went with the new form');
  assert.equal(await focused(page), `causerie-r${id}-spam`);
  await page.keyboard.press('Escape');
  await form.waitFor({ state: 'detached' });
  assert.equal(await focused(page), 'Report Ana’s comment');
  // Again, and Cancel (after the three fields and Send) does the same.
  await page.keyboard.press('Enter');
  await form.waitFor();
  for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'Cancel');
  await page.keyboard.press('Enter');
  await form.waitFor({ state: 'detached' });
  assert.equal(await focused(page), 'Report Ana’s comment');
  assert.equal(extras.length, 1, 'extra.js fetched once');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the server’s refusals of a report show beside their fields, nothing typed lost', async () => {
  const id = await post('refused', 'Ana', 'Reported with a bad address.');
  const { context, page } = await reader();
  await open(page, blog('refused'));
  // The API's shape for invalid input, as the server words it.
  await page.route(`**/api/v1/comments/${id}/report`, (route) =>
    route.fulfill({
      status: 422,
      contentType: 'application/json',
      headers: { 'Access-Control-Allow-Origin': host.url },
      body: JSON.stringify({
        error: 'invalid_input',
        message: 'Please check the fields marked below.',
        fields: { email: 'This is not an email address.' },
      }),
    })
  );
  await page.getByRole('button', { name: 'Report Ana’s comment' }).click();
  await page.getByLabel('Illegal content').check();
  await page.fill(`#causerie-r${id}-detail`, 'Defamation.');
  await page.fill(`#causerie-r${id}-email`, 'not an address');
  await page.getByRole('button', { name: 'Send report' }).click();
  const email = page.locator(`#causerie-r${id}-email`);
  await page.locator(`#causerie-r${id}-email-error`, { hasText: 'This is not an email address.' }).waitFor();
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  assert.equal(await email.getAttribute('aria-describedby'), `causerie-r${id}-email-error`);
  assert.equal(await focused(page), `causerie-r${id}-email`);
  assert.equal(await page.textContent(`#causerie-c${id} .causerie-report [role=alert]`), 'Please check the fields marked below.');
  assert.equal(await page.getAttribute(`#causerie-r${id}-detail`, 'aria-invalid'), null);
  assert.equal(await page.inputValue(`#causerie-r${id}-detail`), 'Defamation.');
  assert.equal(await email.inputValue(), 'not an address');
  assert.equal(await page.isChecked(`#causerie-r${id}-illegal`), true);
  await axe(page);
  // Offline: the embed's own words, the form still there to send again.
  await page.unroute(`**/api/v1/comments/${id}/report`);
  await page.route(`**/api/v1/comments/${id}/report`, (route) => route.abort('internetdisconnected'));
  await page.getByRole('button', { name: 'Send report' }).click();
  await page.locator(`#causerie-c${id} .causerie-report [role=alert]`, { hasText: 'could not be reached' }).waitFor();
  assert.equal(await page.inputValue(`#causerie-r${id}-detail`), 'Defamation.');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('Link and Report in French', async () => {
  const id = await post('fr-report', 'Ana', 'Un avis.');
  const { context, page } = await reader();
  await open(page, blog('fr-report', { lang: 'fr' }));
  await page.getByRole('button', { name: 'Lien vers le commentaire de Ana' }).waitFor();
  await page.getByRole('button', { name: 'Signaler le commentaire de Ana' }).click();
  const group = page.getByRole('radiogroup', { name: 'Pourquoi signalez-vous ce commentaire ?' });
  await group.waitFor();
  assert.deepEqual(await group.locator('label').allTextContents(), [
    'Indésirable (spam)',
    'Abus ou harcèlement',
    'Contenu illicite',
    'Autre',
  ]);
  assert.equal(await page.getByRole('button', { name: 'Envoyer le signalement' }).count(), 1);
  await page.getByRole('button', { name: 'Annuler' }).click();
  await group.waitFor({ state: 'detached' });
  assert.equal(await page.locator(`#causerie-c${id} .causerie-report`).count(), 0);
  await context.close();
});

test('one’s own comment has a Link but no Report', async () => {
  await post('own', 'Ana', 'Someone else’s.');
  const { context, page } = await reader();
  await open(page, blog('own'));
  page.formShown = Date.now();
  await page.fill('#causerie-body', 'My own words.');
  await page.fill('#causerie-author', 'Camille');
  await page.fill('#causerie-email', 'camille@example.org');
  await atAPersonsPace(page);
  await page.click('#causerie .causerie-form button[type=submit]');
  const mine = page.locator('#causerie .causerie-comment', { hasText: 'My own words.' });
  await mine.locator('.causerie-actions button', { hasText: 'Edit' }).waitFor();
  const names = (li) => li.locator('> .causerie-card .causerie-actions button').evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label') || b.textContent));
  assert.deepEqual(await names(mine), ['Reply to Camille', 'Edit', 'Delete', 'Link to Camille’s comment']);
  const theirs = page.locator('#causerie .causerie-comment', { hasText: 'Someone else’s.' });
  assert.deepEqual(await names(theirs), ['Reply to Ana', 'Link to Ana’s comment', 'Report Ana’s comment']);
  await context.close();
});

/** Answers the thread's GET with `comments` (the real answer's other fields kept). */
async function serveThread(page, comments, count) {
  await page.route((url) => url.pathname === '/api/v1/comments', async (route) => {
    if (route.request().method() !== 'GET') return route.continue();
    const res = await route.fetch();
    const json = await res.json();
    await route.fulfill({ response: res, json: { ...json, count, comments, more: false } });
  });
}

const at = new Date(Date.now() - 3 * 3600e3).toISOString();
const comment = (id, parent, author, body) => ({
  id,
  parent,
  author,
  website: null,
  avatar: null,
  body,
  created_at: at,
  edited_at: null,
  moderator: false,
});

test('a comment its author erased is a placeholder above its replies, with no controls', async () => {
  for (const [lang, text, heading] of [
    ['en', 'This comment was removed.', '2 comments'],
    ['fr', 'Ce commentaire a été retiré.', '2 commentaires'],
  ]) {
    const { context, page } = await reader();
    await serveThread(
      page,
      [
        { id: 900, parent: null, deleted: true },
        comment(901, 900, 'Bo', '<p>A reply under a removed comment.</p>'),
        comment(902, 901, 'Cy', '<p>And a reply to the reply.</p>'),
        { id: 903, parent: 900, deleted: true },
        comment(904, 903, 'Di', '<p>Under a removed reply.</p>'),
      ],
      2
    );
    await open(page, blog('placeholder', { lang }));
    const gone = page.locator('#causerie-c900 > .causerie-card');
    await gone.waitFor();
    assert.equal(await gone.textContent(), text);
    assert.equal(await gone.getAttribute('class'), 'causerie-card causerie-is-gone');
    assert.equal(await gone.locator('button, a, img, time').count(), 0, 'no controls, no avatar, no date');
    // Its replies stay in place, nested under it.
    assert.match(await page.textContent('#causerie-c900 > .causerie-replies > #causerie-c901'), /A reply under a removed comment\./);
    await page.locator('#causerie-c900 > .causerie-replies > #causerie-c901 > .causerie-replies > #causerie-c902').waitFor();
    assert.equal(await page.textContent('#causerie-c900 > .causerie-replies > #causerie-c903 > .causerie-card'), text);
    await page.locator('#causerie-c903 > .causerie-replies > #causerie-c904').waitFor();
    // The placeholders are not counted, and nothing reads "undefined" or "NaN".
    assert.equal(await page.textContent('#causerie .causerie-heading'), heading);
    const all = await page.evaluate(() => document.querySelector('#causerie').innerHTML);
    assert.doesNotMatch(all, /undefined|NaN/);
    assert.equal(await page.locator('#causerie .causerie-card').count(), 5);
    assert.equal(await page.locator('#causerie .causerie-actions').count(), 3);
    // A link to a placeholder still lands there.
    await page.evaluate(() => (location.hash = '#causerie-c900'));
    await page.locator('#causerie-c900 > .causerie-card.causerie-is-target').waitFor();
    await axe(page);
    assert.deepEqual(page.errors, []);
    await context.close();
  }
});

/** The link of the last mail to `email` about its comments: `/my-data/TOKEN`. */
async function dataLink(email) {
  const mail = await mailbox.next((text) => text.includes(`To: ${email}`) && /\/my-data\/[^\s"<>/]+/.test(text));
  mailbox.messages.splice(mailbox.messages.indexOf(mail), 1);
  return /\/my-data\/[^\s"<>/]+/.exec(mail.text)[0];
}

/** What the embed shows once comment `id` (with reply `reply`) has been erased. */
async function seeErased(page, slug, id, reply) {
  await open(page, blog(slug));
  const gone = page.locator(`#causerie-c${id} > .causerie-card`);
  await gone.waitFor();
  assert.equal(await gone.textContent(), 'This comment was removed.');
  assert.equal(await gone.locator('button, a, img, time').count(), 0);
  assert.match(await page.textContent(`#causerie-c${id} > .causerie-replies > #causerie-c${reply}`), /A reply that stays\./);
  assert.equal(await page.textContent('#causerie .causerie-heading'), '1 comment');
  assert.doesNotMatch(await page.textContent('#causerie'), /Eve|Words I take back|undefined|NaN/);
  await axe(page);
  assert.deepEqual(page.errors, []);
}

test('a comment erased by its author shows, from the real server, as a placeholder above its reply', async () => {
  const id = await post('erased', 'Eve', 'Words I take back.', null, 'eve@example.org');
  const reply = await post('erased', 'Bo', 'A reply that stays.', id);
  // Asked for and erased by a program, as the server's pages would (no Origin sent).
  const form = { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
  const asked = await fetch(`${api.url}/my-data`, { ...form, body: 'site=default&lang=en&email=eve%40example.org' });
  assert.equal(asked.status, 200);
  const erased = await fetch(api.url + (await dataLink('eve@example.org')), { ...form, body: 'lang=en' });
  assert.equal(erased.status, 200);
  const json = await (await fetch(`${api.url}/api/v1/comments?page=/blog/erased`)).json();
  assert.deepEqual(json.comments[0], { id, parent: null, deleted: true });
  const { context, page } = await reader();
  await seeErased(page, 'erased', id, reply);
  await context.close();
});

test('a reader erases their comment the way a person would: the embed’s link, the mailed link, the button', async () => {
  const id = await post('erased-by-hand', 'Eve', 'Words I take back.', null, 'eve2@example.org');
  const reply = await post('erased-by-hand', 'Bo', 'A reply that stays.', id);
  const { context, page } = await reader();
  await open(page, blog('erased-by-hand'));
  assert.equal(await page.textContent('#causerie .causerie-heading'), '2 comments');
  await page.getByRole('link', { name: 'Your comments and your data' }).click();
  await page.waitForURL(`${api.url}/my-data?site=default`);
  await page.fill('#cz-email', 'eve2@example.org');
  // A form of the server's own pages is the server's to accept: a browser sends
  // `Origin: null` from a page whose Referrer-Policy is no-referrer.
  const own = (res) => assert.equal(res.status(), 200, `the server refused its own page's form (Origin ${res.request().headers().origin})`);
  own(await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('form.cz-form button[type=submit]')]).then(([r]) => r));
  await page.locator('[role=status]').waitFor();
  await page.goto(api.url + (await dataLink('eve2@example.org')));
  assert.match(await page.textContent('body'), /Words I take back\./);
  own(await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('form.cz-form button.cz-danger')]).then(([r]) => r));
  await page.locator('[role=status]').waitFor();
  await seeErased(page, 'erased-by-hand', id, reply);
  await context.close();
});

test('the form links to the page where readers ask for their data', async () => {
  const { context, page } = await reader();
  await open(page, blog('my-data'));
  const link = page.getByRole('link', { name: 'Your comments and your data' });
  assert.equal(await link.getAttribute('href'), `${api.url}/my-data?site=default`);
  // Beside the privacy sentence.
  assert.match(await link.evaluate((a) => a.parentNode.textContent), /Your email address will not be published\. Your comments and your data\. Required fields/);
  await context.close();
  const fr = await reader();
  await open(fr.page, blog('my-data', { lang: 'fr' }));
  await fr.page.getByRole('link', { name: 'Vos commentaires et vos données' }).waitFor();
  await fr.context.close();
});

test('the page of one’s data answers there', async () => {
  const res = await fetch(`${api.url}/my-data?site=default`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
});

test('no page asked anything of a third origin', () => {
  assert.ok(requested.length > 20, 'the tests made requests');
  const allowed = new Set([new URL(api.url).origin, new URL(host.url).origin]);
  const foreign = requested.filter((u) => !u.startsWith('data:') && !allowed.has(new URL(u).origin));
  assert.deepEqual(foreign, []);
});

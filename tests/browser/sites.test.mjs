// One Causerie, two sites (SPEC section 10), as readers meet them: the blog (French)
// and the notes (English), each on its own origin, embed the comments at the same
// path and keep separate threads, each in its site's language; count.js counts each
// site's own; a page of one site that names the other is refused; and no page asks
// anything of a third origin.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { atAPersonsPace, launchBrowser, startCauserie, startHost } from './harness.mjs';

let blogHost, notesHost, api, browser;
const requested = [];
// Both pages live at this same path, one on each site.
const PATH = '/blog/same-path';

before(async () => {
  [blogHost, notesHost] = await Promise.all([startHost(), startHost()]);
  api = await startCauserie({
    toml: `[[sites]]
id = "blog"
name = "Le blog"
origins = ["${blogHost.url}"]
lang = "fr"

[[sites]]
id = "notes"
name = "Notes"
origins = ["${notesHost.url}"]
lang = "en"
`,
    // Each form's token names its site and page: a post checked against the wrong
    // site would be held as a bot's, and post() would see it held.
    botChecks: true,
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await api?.stop();
  await blogHost?.stop();
  await notesHost?.stop();
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

// Pages without a `lang` of their own: the box speaks its site's.
const article = (host, params = {}) =>
  `${host.url}${PATH}?${new URLSearchParams({ api: api.url, pagelang: 'none', ...params })}`;

async function open(page, url) {
  await page.goto(url);
  await page.locator('#causerie .causerie-form').waitFor();
  page.formShown = Date.now();
}

async function post(page, author, body) {
  await page.fill('#causerie-body', body);
  await page.fill('#causerie-author', author);
  await page.fill('#causerie-email', `${author.toLowerCase()}@example.org`);
  const sent = page.waitForRequest((r) => r.method() === 'POST');
  const answered = page.waitForResponse((r) => r.request().method() === 'POST');
  await atAPersonsPace(page);
  await page.click('#causerie .causerie-form button[type=submit]');
  await page.locator('#causerie .causerie-comment', { hasText: body }).waitFor();
  // Published, not held: the bot checks found its form token right for its site.
  assert.equal((await (await answered).json()).status, 'approved');
  return (await sent).postDataJSON();
}

const listText = (page) => page.textContent('#causerie .causerie-list');

test('two sites at the same path: two threads, each in its site’s language', async () => {
  // The blog's page names its site; the notes' page leaves it to its origin.
  const blog = await reader();
  const apiCalls = [];
  blog.page.on('request', (r) => r.url().startsWith(api.url + '/api/') && apiCalls.push(r.url()));
  await open(blog.page, article(blogHost, { site: 'blog' }));
  const box = blog.page.locator('#causerie');
  assert.equal(await box.getAttribute('lang'), 'fr');
  assert.equal(await box.locator('h3').textContent(), 'Laisser un commentaire');
  assert.match(await box.textContent(), /Pas encore de commentaire\./);
  const json = await post(blog.page, 'Camille', 'Sur le blog.');
  assert.equal(json.site, 'blog');
  assert.equal(json.page, PATH);
  assert.match(await blog.page.textContent('#causerie [role=status]'), /Votre commentaire est publié\./);
  for (const u of apiCalls.filter((u) => /\/api\/v1\/(config|comments)\?/.test(u))) {
    assert.equal(new URL(u).searchParams.get('site'), 'blog', u);
  }

  // A French browser, but the notes site speaks English and its page says nothing.
  const notes = await reader({ locale: 'fr-FR' });
  const notesCalls = [];
  notes.page.on('request', (r) => r.url().startsWith(api.url + '/api/') && notesCalls.push(r.url()));
  await open(notes.page, article(notesHost));
  const other = notes.page.locator('#causerie');
  assert.equal(await other.getAttribute('lang'), 'en');
  assert.equal(await other.locator('h3').textContent(), 'Leave a comment');
  assert.match(await other.textContent(), /No comments yet\./);
  assert.doesNotMatch(await other.textContent(), /Sur le blog/);
  const sent = await post(notes.page, 'Kim', 'On the notes.');
  assert.equal('site' in sent, false, 'without data-site the embed sends no site');
  assert.ok(notesCalls.length >= 2);
  for (const u of notesCalls) assert.equal(new URL(u).searchParams.has('site'), false, u);
  assert.equal(await notes.page.textContent('#causerie .causerie-heading'), '1 comment');

  // Each page, reloaded, shows its own thread only.
  await blog.page.reload();
  await blog.page.locator('#causerie .causerie-comment').first().waitFor();
  assert.match(await listText(blog.page), /Sur le blog\./);
  assert.doesNotMatch(await listText(blog.page), /On the notes/);
  assert.equal(await blog.page.textContent('#causerie .causerie-heading'), '1 commentaire');
  await notes.page.reload();
  await notes.page.locator('#causerie .causerie-comment').first().waitFor();
  assert.doesNotMatch(await listText(notes.page), /Sur le blog/);
  assert.deepEqual([...blog.page.errors, ...notes.page.errors], []);
  await blog.context.close();
  await notes.context.close();
});

test('count.js on each origin counts its own site’s comments', async () => {
  // One more on the blog's thread, posted as a non-browser client naming the site.
  const res = await fetch(`${api.url}/api/v1/comments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ site: 'blog', page: PATH, title: 'T', author: 'Dominique', email: 'd@example.org', body: 'Encore.' }),
  });
  assert.equal(res.status, 201);
  const { context, page } = await reader();
  const index = (host, params) =>
    `${host.url}/index?${new URLSearchParams({ api: api.url, pages: PATH, ...params })}`;
  const cell = page.locator(`li [data-causerie-count="${PATH}"]`);
  await page.goto(index(blogHost, { site: 'blog' }));
  await cell.filter({ hasText: 'comments' }).waitFor();
  assert.equal(await cell.textContent(), '2 comments');
  await page.goto(index(notesHost, {}));
  await cell.filter({ hasText: 'comment' }).waitFor();
  assert.equal(await cell.textContent(), '1 comment');
  await context.close();
});

test('a page of one site naming the other is refused, its thread never shown', async () => {
  // The server says why to any client that can read it…
  const asBlog = { Origin: blogHost.url, 'Accept-Language': 'en' };
  const read = await fetch(`${api.url}/api/v1/comments?site=notes&page=${encodeURIComponent(PATH)}`, { headers: asBlog });
  assert.equal(read.status, 403);
  assert.equal((await read.json()).error, 'site_mismatch');
  const write = await fetch(`${api.url}/api/v1/comments`, {
    method: 'POST',
    headers: { ...asBlog, 'Content-Type': 'application/json' },
    body: JSON.stringify({ site: 'notes', page: PATH, title: 'T', author: 'Eve', email: 'e@example.org', body: 'Intrusion.' }),
  });
  assert.equal(write.status, 403);
  assert.equal((await write.json()).error, 'site_mismatch');
  // …and to the blog's page too (the refusal carries CORS, a thread never does): the
  // box says why, and shows none of the notes.
  const { context, page } = await reader();
  await page.goto(article(blogHost, { site: 'notes' }));
  const hint = page.locator('#causerie .causerie-hint');
  await hint.filter({ hasText: /another|d’un autre/ }).waitFor();
  assert.match(await hint.textContent(), /cannot show or send the comments of another|ne peut ni montrer ni envoyer/);
  assert.doesNotMatch(await page.textContent('#causerie'), /On the notes/);
  assert.equal(await page.locator('#causerie form').count(), 0);
  await context.close();
});

test('/demo?site=notes shows the notes’ thread, in English, and posts into it', async () => {
  const { context, page } = await reader();
  await open(page, `${api.url}/demo?site=notes`);
  assert.equal(await page.getAttribute('script[src="/embed.js"]', 'data-site'), 'notes');
  assert.equal(await page.locator('#causerie h3').textContent(), 'Leave a comment');
  const json = await post(page, 'Sam', 'From the demo.');
  assert.equal(json.site, 'notes');
  const thread = await (await fetch(`${api.url}/api/v1/comments?site=notes&page=%2Fdemo`)).json();
  assert.deepEqual(thread.comments.map((c) => c.author), ['Sam']);
  const blog = await (await fetch(`${api.url}/api/v1/comments?site=blog&page=%2Fdemo`)).json();
  assert.equal(blog.comments.length, 0);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('no page of either site asked anything of a third origin', () => {
  assert.ok(requested.length > 10, 'the tests made requests');
  const allowed = new Set([api.url, blogHost.url, notesHost.url].map((u) => new URL(u).origin));
  const foreign = requested.filter((u) => !u.startsWith('data:') && !allowed.has(new URL(u).origin));
  assert.deepEqual(foreign, []);
});

// The moderators' pages as a site owner uses them, in headless Chromium: log in,
// work the queue, bulk-approve, search by email, edit, reply, close a thread, move a
// page's comments to its new path, log out. The admin pages run no script at all;
// everything here is plain forms.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { launchBrowser, startCauserie } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const PASSWORD = 'browser-tests-password';

let api, browser, context, page;

async function post(body) {
  const res = await fetch(`${api.url}/api/v1/comments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: 'Rachat de Cloudwatt', ...body }),
  });
  assert.equal(res.status, 201);
  return (await res.json()).comment.id;
}

async function listed(pageKey) {
  return (await fetch(`${api.url}/api/v1/comments?page=${encodeURIComponent(pageKey)}`)).json();
}

async function axe() {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), [], 'axe-core found serious violations');
}

before(async () => {
  api = await startCauserie({ moderation: 'first_time' });
  browser = await launchBrowser();
  // The admin's CSP forbids every script, axe-core's too: let the test inject it.
  context = await browser.newContext({ viewport: { width: 1100, height: 900 }, bypassCSP: true });
  page = await context.newPage();
  page.on('pageerror', (e) => assert.fail(`page error: ${e}`));
  await post({ page: '/cloud', author: 'Camille', email: 'camille@example.org', body: 'Premier commentaire de Camille.' });
  await post({ page: '/cloud', author: 'Dominique', email: 'dominique@example.org', body: 'Dominique pense autrement.' });
  await post({ page: '/cloud', author: 'Alix', email: 'alix@example.fr', body: 'Alix a une question.' });
  await post({ page: '/autre', author: 'Sacha', email: 'sacha@example.org', body: 'Sur un autre article.' });
});

after(async () => {
  await browser?.close();
  await api?.stop();
});

test('a moderator logs in, and a wrong password is refused', async () => {
  await page.goto(`${api.url}/admin`);
  assert.match(page.url(), /\/admin\/login/);
  await page.fill('#name', 'admin');
  await page.fill('#password', 'not the password');
  await page.click('button[type=submit]');
  await page.getByText('Wrong name or password.').waitFor();
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: /Moderation/ }).waitFor();
  assert.match(await page.locator('.tabs').innerText(), /Pending \(4\)/);
  await axe();
});

test('the queue: bulk-approve a selection', async () => {
  await page.check('input[aria-label="Select comment #1"]');
  await page.check('input[aria-label="Select comment #2"]');
  await page.selectOption('#bulk', 'approve');
  await page.click('button[name=apply]');
  await page.getByText('Done.').waitFor();
  assert.match(await page.locator('.tabs').innerText(), /Pending \(2\)/);
  assert.match(await page.locator('.tabs').innerText(), /Approved \(2\)/);
  const thread = await listed('/cloud');
  assert.deepEqual(thread.comments.map((c) => c.author), ['Camille', 'Dominique']);
});

test('search by email finds the one comment', async () => {
  await page.fill('#q', 'alix@example');
  await page.click('form[role=search] button[type=submit]');
  await page.locator('.comment').first().waitFor();
  assert.equal(await page.locator('.comment').count(), 1);
  assert.match(await page.locator('.comment').innerText(), /Alix a une question/);
  // One click approves it from the results.
  await page.click('.comment button[value^="approve:"]');
  await page.getByText('Done.').waitFor();
  assert.equal((await listed('/cloud')).count, 3);
});

test('edit a comment and reply as moderator', async () => {
  await page.goto(`${api.url}/admin?status=approved`);
  // The edit page opens (200, not an error page at that address), and the edit is
  // saved (303 to the page again), each checked by its answer's status.
  const opened = page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/admin/comments/1');
  await page.locator('#c1 a', { hasText: 'Edit' }).click();
  assert.equal((await opened).status(), 200);
  await page.fill('#body', 'Premier commentaire de Camille, <b>corrigé</b>.');
  const saved = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/admin/comments/1');
  await page.click('form[action="/admin/comments/1"] button[type=submit]');
  assert.equal((await saved).status(), 303);
  await page.waitForURL(/\/admin\/comments\/1/);
  await page.fill('#reply', 'Merci Camille !');
  await page.click('form[action="/admin/comments/1/reply"] button[type=submit]');
  await page.getByText('Done.').waitFor();
  const thread = await listed('/cloud');
  assert.equal(thread.comments[0].body, '<p>Premier commentaire de Camille, <b>corrigé</b>.</p>');
  const reply = thread.comments.find((c) => c.moderator);
  assert.equal(reply.parent, 1);
  assert.equal(reply.body, '<p>Merci Camille !</p>');
});

test('close a thread, and the public sees it closed', async () => {
  await page.goto(`${api.url}/admin?status=approved&page=%2Fcloud`);
  await page.click('button:has-text("Close comments")');
  await page.getByText('Comments are closed on this page.').waitFor();
  assert.equal((await listed('/cloud')).open, false);
  const res = await fetch(`${api.url}/api/v1/comments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ page: '/cloud', author: 'Lou', email: 'lou@example.org', body: 'Trop tard ?' }),
  });
  assert.equal(res.status, 403);
  await page.click('button:has-text("Open comments")');
  await page.getByText('Comments are open on this page.').waitFor();
  assert.equal((await listed('/cloud')).open, true);
});

test('move a page’s comments to its new path: refused onto a thread, then moved, then merged', async () => {
  await page.goto(`${api.url}/admin?status=approved&page=%2Fcloud`);
  const before = (await listed('/cloud')).comments.map((c) => c.id);
  assert.ok(before.length > 0);
  const move = 'form[action="/admin/threads/move"]';
  // /autre has a thread already (Sacha's comment, pending): refused, what was typed kept.
  await page.fill('#move-to', '/autre');
  await page.click(`${move} button[type=submit]`);
  await page.locator('#move-error').waitFor();
  assert.match(await page.locator('#move-error').innerText(), /\/autre already has a thread of 1 comment/);
  assert.equal(await page.inputValue('#move-to'), '/autre');
  await axe();
  // A full URL is taken for its path.
  await page.fill('#move-to', 'https://blog.example/nuage/');
  await page.click(`${move} button[type=submit]`);
  await page.getByText('Done: the comments moved here, with their thread.').waitFor();
  assert.equal(await page.inputValue('#page'), '/nuage');
  assert.equal((await listed('/cloud')).count, 0);
  assert.deepEqual((await listed('/nuage')).comments.map((c) => c.id), before);
  // Now onto /autre, merging.
  await page.fill('#move-to', '/autre');
  await page.check('#move-merge');
  await page.click(`${move} button[type=submit]`);
  await page.getByText('Done: the comments joined this page’s thread.').waitFor();
  assert.equal(await page.inputValue('#page'), '/autre');
  assert.equal((await listed('/nuage')).count, 0);
  assert.deepEqual((await listed('/autre')).comments.map((c) => c.id), before);
});

test('the admin speaks French', async () => {
  await page.goto(`${api.url}/admin?lang=fr`);
  await page.getByText('Se déconnecter').waitFor();
  assert.match(await page.locator('.tabs').innerText(), /En attente \(1\)/);
});

test('logging out ends the session', async () => {
  await page.goto(`${api.url}/admin`);
  await page.click('button:has-text("Log out")');
  await page.waitForURL(/\/admin\/login/);
  await page.goto(`${api.url}/admin`);
  assert.match(page.url(), /\/admin\/login/);
});

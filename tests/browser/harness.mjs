// What the browser tests stand on: the real `causerie` binary on a free port with a
// throw-away database, a site owner's blog served by Node from a second origin, and
// headless Chromium driven by playwright-core. Nothing here reaches past 127.0.0.1.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CAUSERIE_BIN = process.env.CAUSERIE_BIN || path.resolve('target/debug/causerie');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The minimum time a form is open before a post counts as a person's (the default). */
export const MIN_FORM_SECONDS = 3;

/**
 * Waits until a person could have filled the form: `MIN_FORM_SECONDS` after
 * `page.formShown`, which the tests set when the form appears.
 */
export async function atAPersonsPace(page) {
  const wait = page.formShown + MIN_FORM_SECONDS * 1000 + 200 - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
}

/**
 * Starts the binary; resolves once /healthz answers. `toml`, if given, is written to a
 * settings file passed with --config: what only a file can say, such as [[sites]]
 * (whose origins replace the top-level `origins`, then left out). With `botChecks`, the
 * defences against bots stay on as a site owner has them (the honeypot, a form posted
 * sooner than `MIN_FORM_SECONDS` held as spam); only the limits on how often one
 * address and one email may post are raised, since every test posts from 127.0.0.1 as
 * the same reader. Without it, every limit is off. `smtp`, a `startMailbox()`'s `url`:
 * where the mail goes (otherwise it is only logged).
 */
export async function startCauserie({ moderation = 'none', origins = [], toml = null, botChecks = false, smtp = null } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'causerie-browser-'));
  const url = `http://127.0.0.1:${port}`;
  const args = ['serve'];
  if (toml !== null) {
    writeFileSync(path.join(dir, 'causerie.toml'), toml);
    args.push('--config', path.join(dir, 'causerie.toml'));
  }
  // Causerie refuses unknown CAUSERIE_* variables, such as CAUSERIE_BIN: none is passed on.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAUSERIE_')));
  const child = spawn(CAUSERIE_BIN, args, {
    cwd: dir,
    env: {
      ...env,
      CAUSERIE_LISTEN: `127.0.0.1:${port}`,
      CAUSERIE_MODERATION: moderation,
      ...(origins.length || toml === null ? { CAUSERIE_ORIGINS: origins.join(',') } : {}),
      CAUSERIE_ADMIN_PASSWORD: 'browser-tests-password',
      ...(smtp ? { CAUSERIE_SMTP_URL: smtp } : {}),
      // The tests post many comments from one address within seconds.
      ...(botChecks
        ? {
            CAUSERIE_LIMITS: 'on',
            CAUSERIE_MIN_FORM_SECONDS: String(MIN_FORM_SECONDS),
            CAUSERIE_FLOOD_SECONDS: '0',
            CAUSERIE_MAX_COMMENTS_PER_IP_PER_HOUR: '100000',
            CAUSERIE_MAX_COMMENTS_PER_EMAIL_PER_HOUR: '100000',
            CAUSERIE_MAX_COMMENTS_PER_THREAD_PER_IP_PER_HOUR: '100000',
          }
        : { CAUSERIE_LIMITS: 'off' }),
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`causerie exited (${child.exitCode}):\n${log}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch (e) {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`causerie did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A mailbox on 127.0.0.1 that speaks just enough SMTP for Causerie's mailer (no TLS,
 * no authentication): each message is kept with its text decoded (quoted-printable
 * and base64 parts), so that a test can follow the links a reader would get.
 * `next(pred)` resolves to the first message, past or coming, whose text matches.
 */
export async function startMailbox() {
  const messages = [];
  const waiting = [];
  const server = net.createServer((sock) => {
    let buf = '';
    let data = null;
    const say = (line) => sock.write(line + '\r\n');
    say('220 mailbox ESMTP');
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (data !== null) {
          if (line !== '.') {
            data.push(line.startsWith('..') ? line.slice(1) : line);
            continue;
          }
          const raw = data.join('\r\n');
          data = null;
          const message = { raw, text: decodeMail(raw) };
          messages.push(message);
          for (const w of waiting.splice(0)) if (!w(message)) waiting.push(w);
          say('250 kept');
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'DATA') {
          data = [];
          say('354 go on');
        } else if (verb === 'QUIT') {
          say('221 bye');
          sock.end();
        } else say('250 ok');
      }
    });
    sock.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `smtp://127.0.0.1:${server.address().port}`,
    messages,
    next(pred, timeout = 20000) {
      const found = messages.find((m) => pred(m.text));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no such message came')), timeout);
        waiting.push((m) => pred(m.text) && (clearTimeout(timer), resolve(m), true));
      });
    },
    stop: () => new Promise((r) => server.close(r)),
  };
}

/** A message's text, its quoted-printable and base64 parts decoded. */
function decodeMail(raw) {
  const qp = (s) =>
    Buffer.from(
      s.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))),
      'latin1'
    ).toString('utf8');
  const parts = raw.split(/\r\n--[^\r\n]*\r\n/);
  return parts
    .map((part) => {
      const cut = part.indexOf('\r\n\r\n');
      const head = cut < 0 ? '' : part.slice(0, cut);
      const body = cut < 0 ? part : part.slice(cut + 4);
      if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
      if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) return qp(body);
      return body;
    })
    .join('\n');
}

const ARTICLE = `<h1>{title}</h1>
<p>An article on the site owner's blog. Its stylesheet is deliberately rude to
embedded widgets: it restyles bare buttons, lists, links, inputs and paragraphs.</p>`;

// The blog's own stylesheet: rules on bare elements, as many themes have.
const HOST_CSS = `body { font: 18px/1.7 Georgia, serif; margin: 0 auto; max-width: 44rem; padding: 1rem; color: #222; background: #fff; }
button { background: #e91e63; color: #fff; border-radius: 0; text-transform: uppercase; padding: 20px; }
input, textarea { border: 3px solid orange; width: 50%; }
ol, ul { list-style: square; padding-left: 4em; }
li { margin: 2em 0; }
p { margin: 0 0 2em; }
a { color: #0645ad; }
h2, h3 { font-family: Impact, sans-serif; text-transform: uppercase; }`;

/**
 * The site owner's blog, on its own origin. Pages:
 * - `/blog/<anything>?api=URL[&lang=xx][&pagelang=xx][&theme=dark][&site=ID]`: an article
 *   with the snippet;
 * - `/index?api=URL&pages=/a,/b[&site=ID]`: an index with count placeholders and count.js.
 * `site` becomes the scripts' data-site; `pagelang=none` leaves out `<html lang>`.
 */
export async function startHost() {
  const port = await freePort();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, `http://127.0.0.1:${port}`);
    const api = u.searchParams.get('api') || '';
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    const site = u.searchParams.get('site');
    const dataSite = site ? ` data-site="${esc(site)}"` : '';
    const page = (lang, title, body) =>
      `<!doctype html><html${lang === 'none' ? '' : ` lang="${esc(lang)}"`}><head><meta charset="utf-8">` +
      `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>` +
      `<style>${HOST_CSS}</style></head><body><main>${body}</main></body></html>`;
    let html;
    if (u.pathname.startsWith('/blog/')) {
      const title = `Post ${u.pathname.slice(6)}`;
      const lang = u.searchParams.get('lang');
      const theme = u.searchParams.get('theme');
      html = page(
        u.searchParams.get('pagelang') || 'en',
        title,
        ARTICLE.replace('{title}', esc(title)) +
          `<div id="causerie"></div>\n<script async src="${esc(api)}/embed.js" data-causerie="${esc(api)}"` +
          (lang ? ` data-lang="${esc(lang)}"` : '') +
          (theme ? ` data-theme="${esc(theme)}"` : '') +
          dataSite +
          `></script>\n<noscript><a href="${esc(api)}/t?${site ? `site=${encodeURIComponent(site)}&amp;` : ''}` +
          `page=${encodeURIComponent(u.pathname)}">Comments</a></noscript>`
      );
    } else if (u.pathname === '/index') {
      const pages = (u.searchParams.get('pages') || '').split(',').filter(Boolean);
      html = page(
        u.searchParams.get('pagelang') || 'en',
        'Index',
        '<h1>Index</h1><ul>' +
          pages
            .map((p) => `<li><a href="${esc(p)}">${esc(p)}</a> <span data-causerie-count="${esc(p)}">…</span></li>`)
            .join('') +
          `</ul><p>Bare number: <span id="bare" data-causerie-count="${esc(pages[0] || '/')}" data-causerie-number></span></p>` +
          `<script async src="${esc(api)}/count.js" data-causerie="${esc(api)}"${dataSite}></script>`
      );
    } else {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((r) => server.close(r)),
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/*! Causerie comment counts. AGPL-3.0-or-later */
// Fills every element carrying data-causerie-count="/page/path" with that page's
// number of comments, from one request to the Causerie server named by the
// script's data-causerie attribute (default: where this script came from), for the
// site its data-site names (default: the server tells by the page's origin).
// The element gets "3 comments" in the page's language, or just "3" when it
// also has the attribute data-causerie-number.
(() => {
  'use strict';

  const WORDS = {
    en: { one: '{n} comment', other: '{n} comments' },
    fr: { one: '{n} commentaire', other: '{n} commentaires' },
  };
  // The server answers at most this many pages per request.
  const BATCH = 200;

  const script = document.currentScript || document.querySelector('script[src*="count.js"]');
  if (!script) return;
  const base = (script.dataset.causerie || new URL(script.src).origin).replace(/\/+$/, '');
  const site = script.dataset.site;

  async function run() {
    const tag = (script.dataset.lang || document.documentElement.lang || 'en').toLowerCase().split(/[-_]/)[0];
    const lang = WORDS[tag] ? tag : 'en';
    const plural = new Intl.PluralRules(lang);
    const elements = [...document.querySelectorAll('[data-causerie-count]')];
    // A full link is accepted too: the page is its path, as the server keys threads.
    const pageOf = (el) => new URL(el.dataset.causerieCount || '/', location.href).pathname;
    const pages = [...new Set(elements.map(pageOf))];
    const counts = {};
    for (let i = 0; i < pages.length; i += BATCH) {
      const query = pages.slice(i, i + BATCH).map((p) => 'page=' + encodeURIComponent(p));
      if (site) query.unshift('site=' + encodeURIComponent(site));
      try {
        const res = await fetch(`${base}/api/v1/counts?${query.join('&')}`, { credentials: 'omit' });
        if (res.ok) Object.assign(counts, await res.json());
      } catch (e) {
        /* counts stay as the page wrote them */
      }
    }
    for (const el of elements) {
      const n = counts[pageOf(el)];
      if (typeof n !== 'number') continue;
      const words = WORDS[lang];
      el.textContent = el.hasAttribute('data-causerie-number')
        ? String(n)
        : (words[plural.select(n)] || words.other).replace('{n}', n);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
  else run();
})();

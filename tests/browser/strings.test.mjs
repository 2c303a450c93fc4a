// The embed's sentences: one table per language in embed.js, and one per language in
// extra.js (what loads on demand), which joins embed.js's. Every language has every
// key in both files, and both files have the same languages: a missing key would show
// "undefined" to a reader. No browser needed: the tables are read from the sources.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

/** The `const STRINGS = {…};` table of an embed source file, evaluated. */
function tables(file) {
  const src = readFileSync(path.resolve('embed', file), 'utf8');
  const m = /\n( *)const STRINGS = (\{[\s\S]*?\n\1\});/.exec(src);
  assert.ok(m, `${file} has a STRINGS table`);
  return Function(`return (${m[2]});`)();
}

/** Every key path of a table ("count.one", "reasons"), sorted. */
function keys(table, prefix = '') {
  return Object.entries(table)
    .flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? keys(v, `${prefix}${k}.`) : [prefix + k]))
    .sort();
}

for (const file of ['embed.js', 'extra.js']) {
  test(`${file}: every language has every sentence`, () => {
    const all = tables(file);
    assert.ok(all.en && all.fr, 'English and French at least');
    for (const [lang, table] of Object.entries(all)) {
      assert.deepEqual(keys(table), keys(all.en), `${file}: ${lang}`);
      for (const k of keys(table)) {
        const v = k.split('.').reduce((o, p) => o[p], table);
        const values = Array.isArray(v) ? v : [v];
        for (const s of values) assert.ok(typeof s === 'string' && s.trim() !== '', `${file}: ${lang}.${k} is empty`);
      }
    }
  });
}

test('both files speak the same languages, and extra.js adds sentences without replacing any', () => {
  const main = tables('embed.js');
  const extra = tables('extra.js');
  assert.deepEqual(Object.keys(extra).sort(), Object.keys(main).sort());
  const shared = keys(extra.en).filter((k) => keys(main.en).includes(k));
  assert.deepEqual(shared, []);
  // The four reasons, in the order of the API's.
  assert.match(readFileSync(path.resolve('embed/extra.js'), 'utf8'), /const REASONS = \['spam', 'abuse', 'illegal', 'other'\];/);
  assert.equal(extra.en.reasons.length, 4);
});

// The three-way merge: hand-written newsroom cases, then a few thousand generated ones (seeded,
// so a failure is reproducible: the message names the seed).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { applyResolution, deepEqual, threeWayMerge } from '../src/collab/merge.js';

const segment = (id, title, order, extra = {}) => ({ id, type: 'news', title, duration: 60, order, ...extra });

const news = {
  id: 'news-1700000000000', title: 'Grève à la SNCF', content: 'Texte lu à l\'antenne', lancement: 'Lancement',
  pied: 'Pied', status: 'draft', category: 'national', author: 'Clara', version: 4, createdAt: 1, updatedAt: 2,
  ownerId: 'sub-clara', updatedBy: 'sub-clara',
};

test('different fields edited on each side both survive, with the server fields of theirs', () => {
  const mine = { ...news, title: 'Grève reconduite à la SNCF' };
  const theirs = { ...news, pied: 'Pied corrigé', version: 5, updatedAt: 3, updatedBy: 'sub-simon' };
  const { merged, conflicts } = threeWayMerge(news, mine, theirs);
  assert.deepEqual(conflicts, []);
  assert.equal(merged.title, 'Grève reconduite à la SNCF');
  assert.equal(merged.pied, 'Pied corrigé');
  assert.equal(merged.version, 5);
  assert.equal(merged.updatedBy, 'sub-simon');
});

test('the same field edited differently is a conflict that keeps theirs until the user decides', () => {
  const mine = { ...news, content: 'Ma version' };
  const theirs = { ...news, content: 'Leur version', version: 5 };
  const result = threeWayMerge(news, mine, theirs);
  assert.deepEqual(result.conflicts, [{ path: 'content', base: news.content, mine: 'Ma version', theirs: 'Leur version' }]);
  assert.equal(result.merged.content, 'Leur version');
  assert.equal(applyResolution(result, { content: 'mine' }).content, 'Ma version');
  assert.equal(applyResolution(result, { content: 'base' }).content, news.content);
  assert.equal(applyResolution(result, { content: { value: 'Les deux' } }).content, 'Les deux');
  assert.equal(applyResolution(result, { content: 'mine' }).version, 5);
});

test('the same change made on both sides is not a conflict', () => {
  const mine = { ...news, status: 'ready', notes: 'relu' };
  const theirs = { ...news, status: 'ready', version: 5 };
  const { merged, conflicts } = threeWayMerge(news, mine, theirs);
  assert.deepEqual(conflicts, []);
  assert.equal(merged.status, 'ready');
  assert.equal(merged.notes, 'relu');
});

test('a field removed on one side and untouched on the other is removed', () => {
  const { pied, ...mine } = news;
  const { merged, conflicts } = threeWayMerge(news, mine, { ...news, version: 5 });
  assert.equal(pied, 'Pied');
  assert.deepEqual(conflicts, []);
  assert.equal('pied' in merged, false);
});

test('nested objects merge field by field', () => {
  const base = { ...news, settings: { font: 'serif', size: 12 } };
  const mine = { ...base, settings: { font: 'sans', size: 12 } };
  const theirs = { ...base, settings: { font: 'serif', size: 14 } };
  const { merged, conflicts } = threeWayMerge(base, mine, theirs);
  assert.deepEqual(conflicts, []);
  assert.deepEqual(merged.settings, { font: 'sans', size: 14 });
});

const conductor = {
  id: 'conductor-1', title: 'Matinale', version: 7,
  segments: [segment('seg-1', 'Jingle', 1), segment('seg-2', 'Titres', 2), segment('seg-3', 'Météo', 3), segment('seg-4', 'Sport', 4)],
};
const titles = (item) => item.segments.map((s) => s.title);

test('conductor: my move and their insert and edit of other segments combine', () => {
  const [s1, s2, s3, s4] = conductor.segments;
  const mine = { ...conductor, segments: [s1, s3, s2, s4] }; // Météo before Titres
  const theirs = { ...conductor, version: 8, segments: [s1, s2, { ...s3, duration: 90 }, segment('seg-5', 'Pub', 4), s4] };
  const { merged, conflicts } = threeWayMerge(conductor, mine, theirs);
  assert.deepEqual(conflicts, []);
  assert.deepEqual(titles(merged), ['Jingle', 'Météo', 'Titres', 'Pub', 'Sport']);
  assert.equal(merged.segments[1].duration, 90);
  assert.deepEqual(merged.segments.map((s) => s.order), [1, 2, 3, 4, 5], 'order renumbered from the merged order');
});

test('conductor: deletes and inserts of different segments combine, my inserts land after their predecessor', () => {
  const [s1, s2, s3, s4] = conductor.segments;
  const mine = { ...conductor, segments: [s1, segment('seg-m', 'Chronique', 2), s2, s4] }; // deleted Météo
  const theirs = { ...conductor, version: 8, segments: [s1, s3, s4, segment('seg-t', 'Live', 4)] }; // deleted Titres
  const { merged, conflicts } = threeWayMerge(conductor, mine, theirs);
  assert.deepEqual(conflicts, []);
  assert.deepEqual(titles(merged), ['Jingle', 'Chronique', 'Sport', 'Live']);
});

test('conductor: the same segment edited on both sides merges by field; the same field is a conflict', () => {
  const [s1, s2, s3, s4] = conductor.segments;
  const mine = { ...conductor, segments: [s1, { ...s2, title: 'Titres 7h', duration: 45 }, s3, s4] };
  const theirs = { ...conductor, version: 8, segments: [s1, { ...s2, title: 'Les titres', content: 'news-9' }, s3, s4] };
  const result = threeWayMerge(conductor, mine, theirs);
  assert.deepEqual(result.conflicts, [{ path: 'segments[id=seg-2].title', base: 'Titres', mine: 'Titres 7h', theirs: 'Les titres' }]);
  const seg2 = result.merged.segments[1];
  assert.deepEqual([seg2.title, seg2.duration, seg2.content], ['Les titres', 45, 'news-9']);
  const chosen = applyResolution(result, { 'segments[id=seg-2].title': 'mine' });
  assert.equal(chosen.segments[1].title, 'Titres 7h');
  assert.equal(chosen.segments[1].content, 'news-9');
});

test('conductor: a segment deleted on one side and edited on the other is a conflict on the segment', () => {
  const [s1, s2, s3, s4] = conductor.segments;
  const mine = { ...conductor, segments: [s1, s2, { ...s3, title: 'Météo marine' }, s4] };
  const theirs = { ...conductor, version: 8, segments: [s1, s2, s4] };
  const result = threeWayMerge(conductor, mine, theirs);
  assert.equal(result.conflicts.length, 1);
  assert.equal(result.conflicts[0].path, 'segments[id=seg-3]');
  assert.equal(result.conflicts[0].theirs, undefined);
  assert.deepEqual(titles(result.merged), ['Jingle', 'Titres', 'Sport']);
  const kept = applyResolution(result, { 'segments[id=seg-3]': 'mine' });
  assert.deepEqual(titles(kept), ['Jingle', 'Titres', 'Météo marine', 'Sport'], 'kept in my place');
});

test('conductor: segments renumbered by my move are not edits, so their deletion by theirs combines', () => {
  const [s1, s2, s3, s4] = conductor.segments;
  const renumber = (list) => list.map((s, i) => ({ ...s, order: i + 1 }));
  const mine = { ...conductor, segments: renumber([s4, s1, s2, s3]) }; // Sport first: all orders change
  const theirs = { ...conductor, version: 8, segments: renumber([s1, s3, s4]) }; // Titres deleted
  const { merged, conflicts } = threeWayMerge(conductor, mine, theirs);
  assert.deepEqual(conflicts, []);
  assert.deepEqual(titles(merged), ['Sport', 'Jingle', 'Météo']);
  assert.deepEqual(merged.segments.map((s) => s.order), [1, 2, 3]);
});

test('journal newsIds merge as a list of ids', () => {
  const journal = { id: 'journal-1', title: 'Journal du 18/11/2025', newsIds: ['n1', 'n2', 'n3'], version: 2 };
  const mine = { ...journal, newsIds: ['n1', 'n4', 'n2', 'n3'] };
  const theirs = { ...journal, version: 3, newsIds: ['n1', 'n3', 'n5'] };
  const { merged, conflicts } = threeWayMerge(journal, mine, theirs);
  assert.deepEqual(conflicts, []);
  assert.deepEqual(merged.newsIds, ['n1', 'n4', 'n3', 'n5']);
});

test('a plain array changed differently on both sides is one conflicting value', () => {
  const base = { ...news, tags: ['a', 'a'] };
  const result = threeWayMerge(base, { ...base, tags: ['a'] }, { ...base, tags: ['b', 'b'] });
  assert.deepEqual(result.conflicts.map((c) => c.path), ['tags']);
  assert.deepEqual(result.merged.tags, ['b', 'b']);
});

// ---------------------------------------------------------------------------------------------
// Generated cases. A seeded PRNG (mulberry32) so every run checks the same few thousand cases.

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed) {
  const random = prng(seed);
  const int = (n) => Math.floor(random() * n);
  const pick = (list) => list[int(list.length)];
  const shuffle = (list) => {
    const copy = [...list];
    for (let i = copy.length - 1; i > 0; i -= 1) { const j = int(i + 1); [copy[i], copy[j]] = [copy[j], copy[i]]; }
    return copy;
  };
  return { random, int, pick, shuffle };
}

const FIELDS = ['title', 'content', 'lancement', 'pied', 'status', 'category', 'duration', 'site'];
const SEGMENT_FIELDS = ['title', 'duration', 'content', 'type'];

// Builds base, mine and theirs where every change is made on one side only, or identically on
// both, and returns what the merge must produce.
function disjointEdits(seed, { mineMoves = true, theirsMoves = true } = {}) {
  const g = generator(seed);
  const base = { id: `news-${seed}`, version: 3, updatedAt: 10 };
  for (const field of FIELDS) if (g.random() < 0.8) base[field] = `${field}-${g.int(100)}`;
  base.segments = Array.from({ length: 1 + g.int(12) }, (_, i) => ({
    id: `seg-${i}`, title: `S${i}`, duration: 30 + g.int(90), content: `news-${g.int(50)}`, type: 'news', order: i,
  }));
  const mine = structuredClone(base);
  const theirs = { ...structuredClone(base), version: 4, updatedAt: 11, updatedBy: 'sub-other' };
  const expected = structuredClone(base);
  Object.assign(expected, { version: 4, updatedAt: 11, updatedBy: 'sub-other' });

  for (const field of FIELDS) {
    const side = g.pick(['mine', 'theirs', 'both', 'none', 'none']);
    if (side === 'none') continue;
    const value = g.random() < 0.15 ? undefined : `${field}-${side}-${g.int(1000)}`;
    for (const item of side === 'both' ? [mine, theirs, expected] : [side === 'mine' ? mine : theirs, expected]) {
      if (value === undefined) delete item[field]; else item[field] = value;
    }
  }

  const edit = (segment, field, tag) => ({ ...segment, [field]: `${field}-${tag}-${g.int(1000)}` });
  const expectedSegments = new Map(base.segments.map((s) => [s.id, s]));
  for (const s of base.segments) {
    const op = g.pick(['none', 'none', 'mine-edit', 'theirs-edit', 'both-edit', 'mine-delete', 'theirs-delete', 'edit-different-fields']);
    const find = (item) => item.segments.findIndex((x) => x.id === s.id);
    if (op === 'mine-edit' || op === 'theirs-edit' || op === 'both-edit') {
      const edited = edit(s, g.pick(SEGMENT_FIELDS), op);
      if (op !== 'theirs-edit') mine.segments[find(mine)] = edited;
      if (op !== 'mine-edit') theirs.segments[find(theirs)] = edited;
      expectedSegments.set(s.id, edited);
    } else if (op === 'edit-different-fields') {
      const [mineField, theirsField] = g.shuffle(SEGMENT_FIELDS);
      const mineEdit = edit(s, mineField, 'm');
      const theirsEdit = edit(s, theirsField, 't');
      mine.segments[find(mine)] = mineEdit;
      theirs.segments[find(theirs)] = theirsEdit;
      expectedSegments.set(s.id, { ...s, [mineField]: mineEdit[mineField], [theirsField]: theirsEdit[theirsField] });
    } else if (op === 'mine-delete' || op === 'theirs-delete') {
      const item = op === 'mine-delete' ? mine : theirs;
      item.segments.splice(find(item), 1);
      expectedSegments.delete(s.id);
    }
  }
  for (const [item, tag] of [[mine, 'm'], [theirs, 't']]) {
    for (let i = g.int(3); i > 0; i -= 1) {
      const inserted = { id: `seg-${tag}${i}`, title: `new ${tag}${i}`, duration: 60, type: 'music' };
      item.segments.splice(g.int(item.segments.length + 1), 0, inserted);
      expectedSegments.set(inserted.id, inserted);
    }
    const allowed = tag === 'm' ? mineMoves : theirsMoves;
    if (allowed && item.segments.length > 1 && g.random() < 0.6) {
      const [moved] = item.segments.splice(g.int(item.segments.length), 1);
      item.segments.splice(g.int(item.segments.length + 1), 0, moved);
    }
    // The app may renumber `order` after any change; positions are not edits.
    if (g.random() < 0.5) item.segments.forEach((s, i) => { s.order = i; });
  }
  expected.segments = expectedSegments;
  return { base, mine, theirs, expected };
}

const restrictTo = (order, keep) => order.filter((id) => keep.has(id));

function checkDisjoint(seed, options) {
  const { base, mine, theirs, expected } = disjointEdits(seed, options);
  const { merged, conflicts } = threeWayMerge(base, mine, theirs);
  const why = `seed ${seed}`;
  assert.deepEqual(conflicts, [], why);
  const { segments: expectedSegments, ...expectedFields } = expected;
  const { segments: mergedSegments, ...mergedFields } = merged;
  assert.ok(deepEqual(mergedFields, expectedFields), `${why}: ${JSON.stringify(mergedFields)} != ${JSON.stringify(expectedFields)}`);
  assert.deepEqual(new Set(mergedSegments.map((s) => s.id)), new Set(expectedSegments.keys()), why);
  const withoutOrder = ({ order, ...fields }) => fields;
  for (const s of mergedSegments) {
    assert.ok(deepEqual(withoutOrder(s), withoutOrder(expectedSegments.get(s.id))), `${why}: segment ${s.id}`);
  }
  if (!deepEqual(mine.segments, base.segments) && !deepEqual(theirs.segments, base.segments)) {
    // Both sides changed the list: positions are renumbered from the smallest `order` (0 here).
    assert.deepEqual(mergedSegments.map((s) => s.order), mergedSegments.map((_, i) => i), `${why}: order renumbered`);
  }
  return { mine, theirs, mergedOrder: mergedSegments.map((s) => s.id) };
}

test('generated: a change made on one side only (or identically on both) is never lost', () => {
  for (let seed = 1; seed <= 2000; seed += 1) checkDisjoint(seed);
});

test('generated: without their moves, my surviving segments keep my order', () => {
  for (let seed = 5001; seed <= 6000; seed += 1) {
    const { mine, mergedOrder } = checkDisjoint(seed, { theirsMoves: false });
    const mineOrder = mine.segments.map((s) => s.id);
    assert.deepEqual(mergedOrder.filter((id) => mineOrder.includes(id)), restrictTo(mineOrder, new Set(mergedOrder)), `seed ${seed}`);
  }
});

test('generated: without my moves, their segments keep their order', () => {
  for (let seed = 7001; seed <= 8000; seed += 1) {
    const { theirs, mergedOrder } = checkDisjoint(seed, { mineMoves: false });
    const theirsOrder = theirs.segments.map((s) => s.id);
    assert.deepEqual(mergedOrder.filter((id) => theirsOrder.includes(id)), restrictTo(theirsOrder, new Set(mergedOrder)), `seed ${seed}`);
  }
});

test('generated: a field changed differently on both sides is reported with both values and resolvable', () => {
  for (let seed = 9001; seed <= 10000; seed += 1) {
    const g = generator(seed);
    const { base, mine, theirs } = disjointEdits(seed);
    const field = g.pick(FIELDS);
    mine[field] = `mine-${seed}`;
    theirs[field] = `theirs-${seed}`;
    const result = threeWayMerge(base, mine, theirs);
    assert.deepEqual(result.conflicts, [{ path: field, base: base[field], mine: `mine-${seed}`, theirs: `theirs-${seed}` }], `seed ${seed}`);
    assert.equal(result.merged[field], `theirs-${seed}`);
    assert.equal(applyResolution(result, { [field]: 'mine' })[field], `mine-${seed}`);
  }
});

test('generated: merging an unchanged copy gives the other side back', () => {
  for (let seed = 11001; seed <= 11500; seed += 1) {
    const { base, mine, theirs } = disjointEdits(seed);
    assert.ok(deepEqual(threeWayMerge(base, base, theirs).merged, theirs), `seed ${seed}: mine unchanged`);
    const serverOnly = { ...base, version: 4, updatedAt: 11 };
    const { merged } = threeWayMerge(base, mine, serverOnly);
    assert.ok(deepEqual(merged, { ...mine, version: 4, updatedAt: 11 }), `seed ${seed}: theirs unchanged`);
  }
});

// The offline outbox: order, persistence across a reload, replay through a merging save.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { threeWayMerge } from '../src/collab/merge.js';
import { Outbox } from '../src/collab/outbox.js';

// localStorage's surface over a Map: what the browser gives the outbox.
class MemoryStorage {
  #values = new Map();
  getItem(key) { return this.#values.has(key) ? this.#values.get(key) : null; }
  setItem(key, value) { this.#values.set(key, String(value)); }
}

const OFFLINE = () => { throw new TypeError('Failed to fetch'); };

// A server with the API's version check, and a save that merges on conflict the way the
// storage module does: what the outbox replays through.
function newsroom(items = {}) {
  const server = structuredClone(items);
  const writes = [];
  function update(type, item, expectedVersion) {
    const current = server[item.id];
    if (current.version !== expectedVersion) return { conflict: structuredClone(current) };
    server[item.id] = { ...item, version: current.version + 1 };
    writes.push(`${type}:${item.id}`);
    return { item: structuredClone(server[item.id]) };
  }
  async function send({ type, item, baseVersion, base }) {
    const first = update(type, item, baseVersion);
    if (!first.conflict) return { status: 'saved', item: first.item };
    const { merged, conflicts } = threeWayMerge(base, item, first.conflict);
    if (conflicts.length) return { status: 'conflict', conflicts, theirs: first.conflict };
    return { status: 'saved', item: update(type, merged, first.conflict.version).item };
  }
  return { server, writes, send };
}

const news = (id, fields = {}) => ({ id, title: `Titre ${id}`, content: 'Texte', pied: 'Pied', version: 1, ...fields });

test('queued saves survive a reload and replay in the order they were made', async () => {
  const storage = new MemoryStorage();
  const before = new Outbox({ send: OFFLINE, storage });
  for (const id of ['news-3', 'news-1', 'news-2']) {
    before.enqueue({ type: 'news', id, item: news(id, { title: `${id} modifié` }), baseVersion: 1, base: news(id) });
  }
  const { server, writes, send } = newsroom({ 'news-1': news('news-1'), 'news-2': news('news-2'), 'news-3': news('news-3') });
  const reloaded = new Outbox({ send, storage });
  assert.deepEqual(reloaded.pending.map((e) => e.id), ['news-3', 'news-1', 'news-2']);
  const result = await reloaded.replay();
  assert.deepEqual(result, { saved: 3, decisions: 0, remaining: 0 });
  assert.deepEqual(writes, ['news:news-3', 'news:news-1', 'news:news-2']);
  assert.equal(server['news-1'].title, 'news-1 modifié');
  assert.deepEqual(new Outbox({ send, storage }).pending, [], 'nothing left after another reload');
});

test('saving the same item twice keeps one entry: the latest copy, the first base, the first place', () => {
  const outbox = new Outbox({ send: OFFLINE, storage: new MemoryStorage() });
  outbox.enqueue({ type: 'news', id: 'news-1', item: news('news-1', { title: 'A' }), baseVersion: 1, base: news('news-1') });
  outbox.enqueue({ type: 'conductors', id: 'conductor-1', item: { id: 'conductor-1' }, baseVersion: 4, base: { id: 'conductor-1' } });
  outbox.enqueue({ type: 'news', id: 'news-1', item: news('news-1', { title: 'AB' }), baseVersion: 2, base: news('news-1', { version: 2 }) });
  const [first, second] = outbox.pending;
  assert.equal(outbox.pending.length, 2);
  assert.deepEqual([first.id, first.item.title, first.baseVersion, first.base.version], ['news-1', 'AB', 1, 1]);
  assert.equal(second.id, 'conductor-1');
});

test('while still offline the replay stops and keeps every entry for the next reconnect', async () => {
  let online = false;
  const { send } = newsroom({ 'news-1': news('news-1'), 'news-2': news('news-2') });
  const outbox = new Outbox({ send: (entry) => (online ? send(entry) : OFFLINE()), storage: new MemoryStorage() });
  outbox.enqueue({ type: 'news', id: 'news-1', item: news('news-1', { pied: 'x' }), baseVersion: 1, base: news('news-1') });
  outbox.enqueue({ type: 'news', id: 'news-2', item: news('news-2', { pied: 'y' }), baseVersion: 1, base: news('news-2') });
  assert.deepEqual(await outbox.replay(), { saved: 0, decisions: 0, remaining: 2 });
  online = true;
  assert.deepEqual(await outbox.replay(), { saved: 2, decisions: 0, remaining: 0 });
});

test('offline edits of fields someone else did not touch land merged with theirs', async () => {
  const { server, send } = newsroom({ 'news-1': news('news-1') });
  server['news-1'] = { ...server['news-1'], title: 'Leur titre', version: 2 }; // saved online meanwhile
  const outbox = new Outbox({ send, storage: new MemoryStorage() });
  outbox.enqueue({ type: 'news', id: 'news-1', item: news('news-1', { content: 'Mon texte' }), baseVersion: 1, base: news('news-1') });
  const saved = [];
  outbox.addEventListener('saved', (event) => saved.push(event.detail.outcome.item));
  assert.deepEqual(await outbox.replay(), { saved: 1, decisions: 0, remaining: 0 });
  assert.deepEqual([server['news-1'].title, server['news-1'].content, server['news-1'].version], ['Leur titre', 'Mon texte', 3]);
  assert.equal(saved[0].version, 3);
});

test('a same-field conflict waits for a decision with both values, and the other saves still land', async () => {
  const storage = new MemoryStorage();
  const { server, send } = newsroom({ 'news-1': news('news-1'), 'news-2': news('news-2') });
  server['news-1'] = { ...server['news-1'], content: 'Leur texte', version: 2 };
  const outbox = new Outbox({ send, storage });
  outbox.enqueue({ type: 'news', id: 'news-1', item: news('news-1', { content: 'Mon texte' }), baseVersion: 1, base: news('news-1') });
  outbox.enqueue({ type: 'news', id: 'news-2', item: news('news-2', { pied: 'Nouveau pied' }), baseVersion: 1, base: news('news-2') });
  const decided = [];
  outbox.addEventListener('decision', (event) => decided.push(event.detail.entry.id));
  assert.deepEqual(await outbox.replay(), { saved: 1, decisions: 1, remaining: 0 });
  assert.deepEqual(decided, ['news-1']);
  assert.equal(server['news-1'].content, 'Leur texte', 'nothing overwritten silently');
  assert.equal(server['news-2'].pied, 'Nouveau pied');
  const [decision] = new Outbox({ send, storage }).decisions; // the decision survives a reload
  assert.deepEqual(decision.outcome.conflicts, [{ path: 'content', base: 'Texte', mine: 'Mon texte', theirs: 'Leur texte' }]);
  outbox.dismiss(decision.seq);
  assert.deepEqual(new Outbox({ send, storage }).decisions, []);
});

test('a refused save is shown as needing the user, not retried forever', async () => {
  const outbox = new Outbox({ send: async () => ({ status: 'rejected', error: { errorType: 'Unauthorized' } }), storage: new MemoryStorage() });
  outbox.enqueue({ type: 'news', id: 'news-1', item: news('news-1'), baseVersion: 1, base: news('news-1') });
  assert.deepEqual(await outbox.replay(), { saved: 0, decisions: 1, remaining: 0 });
  assert.equal(outbox.decisions[0].outcome.error.errorType, 'Unauthorized');
});

test('two reconnect signals at once replay each entry once', async () => {
  const { writes, send } = newsroom({ 'news-1': news('news-1') });
  const outbox = new Outbox({ send, storage: new MemoryStorage() });
  outbox.enqueue({ type: 'news', id: 'news-1', item: news('news-1', { pied: 'z' }), baseVersion: 1, base: news('news-1') });
  const [first, second] = await Promise.all([outbox.replay(), outbox.replay()]);
  assert.deepEqual(first, second);
  assert.deepEqual(writes, ['news:news-1']);
});

test('an edit made while the same item is being sent is queued after it, rebased on what was stored', async () => {
  const { server, send } = newsroom({ 'news-1': news('news-1') });
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const sent = [];
  const outbox = new Outbox({
    send: async (entry) => { sent.push(entry.baseVersion); await gate; return send(entry); },
    storage: new MemoryStorage(),
  });
  outbox.enqueue({ type: 'news', id: 'news-1', item: news('news-1', { title: 'v1' }), baseVersion: 1, base: news('news-1') });
  const replay = outbox.replay();
  await Promise.resolve();
  outbox.enqueue({ type: 'news', id: 'news-1', item: news('news-1', { title: 'v1', pied: 'v2' }), baseVersion: 1, base: news('news-1') });
  assert.equal(outbox.pending.length, 2, 'the in-flight copy is not replaced');
  release();
  assert.deepEqual(await replay, { saved: 2, decisions: 0, remaining: 0 });
  assert.deepEqual(sent, [1, 2], 'the second save used the version the first one stored');
  assert.deepEqual([server['news-1'].title, server['news-1'].pied, server['news-1'].version], ['v1', 'v2', 3]);
});

test('change events tell the page what is pending', () => {
  const outbox = new Outbox({ send: OFFLINE, storage: new MemoryStorage() });
  const seen = [];
  outbox.addEventListener('change', (event) => seen.push(event.detail.pending.map((e) => e.id)));
  outbox.enqueue({ type: 'news', id: 'news-1', item: news('news-1'), baseVersion: 1, base: news('news-1') });
  outbox.enqueue({ type: 'news', id: 'news-2', item: news('news-2'), baseVersion: 1, base: news('news-2') });
  assert.deepEqual(seen, [['news-1'], ['news-1', 'news-2']]);
});

test('a corrupt stored queue does not stop the app from starting', () => {
  const storage = new MemoryStorage();
  storage.setItem('saint-esprit:outbox', '{not json');
  assert.deepEqual(new Outbox({ send: OFFLINE, storage }).pending, []);
});

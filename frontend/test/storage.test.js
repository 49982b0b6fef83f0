// StorageDynamoDB against a small in-memory stand-in for the GraphQL API: what each call sends
// (one request per save, the version it started from) and what it does with the answers.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { SaveConflict, StorageDynamoDB } from '../src/storage.js';

const NETWORK_DOWN = { data: {}, errors: [{ message: 'A network error has occurred.', originalError: { name: 'NetworkError' } }] };

/** The API as the resolver behaves: versions +1 per write, ConflictError with the current item. */
function fakeApi() {
  const api = { calls: [], items: new Map(), offline: false, now: 1000 };
  // `entity` is the stand-in's own bookkeeping: never part of the item.
  const answer = ({ entity: _entity, ...item }) => ({ id: item.id, version: item.version, updatedAt: item.updatedAt, deletedAt: item.deletedAt ?? null, data: JSON.stringify(item) });
  const conflict = ({ entity: _entity, ...current }) => ({ data: {}, errors: [{ errorType: 'ConflictError', message: 'stale', errorInfo: { current } }] });
  api.graphql = async ({ query, variables }) => {
    api.calls.push({ query, variables });
    if (api.offline) throw NETWORK_DOWN;
    api.now += 1;
    if (query.startsWith('query Load')) {
      const data = {};
      for (const name of Object.keys(variables).map((v) => v.replace(/Token$/, ''))) {
        data[name] = { items: [...api.items.values()].filter((i) => i.entity === name && !i.deletedAt).map(answer), nextToken: null };
      }
      return { data };
    }
    if (query.startsWith('query Trash')) {
      const data = {};
      for (const name of Object.keys(variables).map((v) => v.replace(/Token$/, ''))) {
        const deleted = [...api.items.values()].filter((i) => i.entity === name && i.deletedAt).sort((x, y) => y.deletedAt - x.deletedAt);
        const at = Number(variables[`${name}Token`] ?? 0); // pages of one item
        data[name] = { items: deleted.slice(at, at + 1).map(answer), nextToken: at + 1 < deleted.length ? String(at + 1) : null };
      }
      return { data };
    }
    if (query.startsWith('query CatchUp')) {
      const data = {};
      for (const name of Object.keys(variables).filter((v) => v.endsWith('Since')).map((v) => v.replace(/Since$/, ''))) {
        data[name] = { items: [], nextToken: null };
      }
      return { data };
    }
    const [, op] = /mutation (\w+)/.exec(query);
    const id = variables.input?.id ?? variables.id;
    const current = api.items.get(id);
    if (op === 'Create') {
      if (current) throw conflict(current);
      const item = { ...JSON.parse(variables.input.data), id, version: 1, updatedAt: api.now, entity: /create(\w+)/.exec(query)[1] === 'Conductor' ? 'conductors' : 'news' };
      api.items.set(id, item);
      return { data: { result: answer(item) } };
    }
    if (op === 'Update') {
      if (current.version !== variables.input.expectedVersion) throw conflict(current);
      const item = { ...JSON.parse(variables.input.data), id, version: current.version + 1, updatedAt: api.now, entity: current.entity };
      api.items.set(id, item);
      return { data: { result: answer(item) } };
    }
    throw new Error(`unexpected ${query}`);
  };
  return api;
}

let api;
let storage;

beforeEach(() => {
  api = fakeApi();
  storage = new StorageDynamoDB();
  storage.client = { graphql: api.graphql };
  storage.userId = 'sub-claire';
});

/** Someone else's write, made straight in the stand-in. */
function writtenElsewhere(id, fields) {
  const current = api.items.get(id);
  api.items.set(id, { ...current, ...fields, version: current.version + 1, updatedAt: (api.now += 1) });
}

test('a new item is one create; the next save of it is one update from its version', async () => {
  const created = await storage.saveItem('news', { title: 'Flash 7h', content: 'Texte' });
  assert.match(created.id, /^news-\d+$/);
  assert.equal(created.version, 1);
  assert.equal(api.calls.length, 1);
  assert.match(api.calls[0].query, /createNews/);

  const cached = storage.cache.news[0];
  cached.title = 'Flash 7h (corrigé)'; // the app edits cached items in place
  const updated = await storage.saveItem('news', cached);
  assert.equal(api.calls.length, 2, 'one request per save, no reload');
  assert.equal(api.calls[1].variables.input.expectedVersion, 1);
  assert.deepEqual(Object.keys(JSON.parse(api.calls[1].variables.input.data)).sort(), ['content', 'id', 'title']);
  assert.equal(updated.version, 2);
  assert.equal(storage.cache.news.length, 1);
  assert.equal(storage.cache.news[0].title, 'Flash 7h (corrigé)');
});

test('a save from a stale version is merged when the fields differ, with no question asked', async () => {
  const news = await storage.saveItem('news', { title: 'Conseil municipal', content: 'Texte' });
  const opened = structuredClone(storage.cache.news[0]); // an editor opens version 1
  writtenElsewhere(news.id, { title: 'Conseil municipal : budget voté' });
  let asked = false;
  storage.addEventListener('conflict', () => { asked = true; });

  const saved = await storage.saveItem('news', { ...opened, content: 'Texte corrigé' });

  assert.equal(asked, false);
  assert.deepEqual([saved.title, saved.content, saved.version], ['Conseil municipal : budget voté', 'Texte corrigé', 3]);
  assert.equal(api.calls.at(-1).variables.input.expectedVersion, 2, 'merged onto the server version');
});

test('the same field changed on both sides goes to the user; nothing is written until they decide', async () => {
  const news = await storage.saveItem('news', { title: 'Météo', content: 'Soleil' });
  const opened = structuredClone(storage.cache.news[0]);
  writtenElsewhere(news.id, { content: 'Pluie' });
  const events = [];
  storage.addEventListener('conflict', (event) => events.push(event.detail));

  await assert.rejects(storage.saveItem('news', { ...opened, content: 'Orages' }), SaveConflict);

  const [detail] = events;
  assert.deepEqual(detail.conflicts.map((c) => [c.path, c.mine, c.theirs, c.base]), [['content', 'Orages', 'Pluie', 'Soleil']]);
  assert.equal(detail.mine.content, 'Orages');
  assert.equal(detail.theirs.content, 'Pluie');
  assert.equal(api.items.get(news.id).content, 'Pluie', 'not overwritten');
  assert.equal(storage.cache.news[0].content, 'Pluie', 'the cache shows the server meanwhile');

  const resolved = await detail.resolve('mine');
  assert.deepEqual([resolved.content, resolved.version], ['Orages', 3]);
  assert.equal(api.items.get(news.id).content, 'Orages');
});

test('saves made without network wait in the outbox and are sent in order on reconnect', async () => {
  const news = await storage.saveItem('news', { title: 'Brève', content: 'v1' });
  api.offline = true;
  const shown = await storage.saveItem('news', { ...storage.cache.news[0], content: 'hors ligne' });
  const other = await storage.saveItem('news', { title: 'Nouvelle hors ligne' });
  assert.equal(shown.pending, true);
  assert.equal(storage.cache.news.find((n) => n.id === news.id).content, 'hors ligne', 'the user sees their edit');
  assert.deepEqual(storage.outbox.pending.map((entry) => entry.id), [news.id, other.id]);

  api.offline = false;
  await storage.resync();

  assert.equal(storage.outbox.pending.length, 0);
  assert.equal(api.items.get(news.id).content, 'hors ligne');
  assert.equal(api.items.get(news.id).version, 2);
  assert.equal(api.items.get(other.id).title, 'Nouvelle hors ligne');
  assert.ok(api.calls.some((call) => call.query.startsWith('query CatchUp')), 'then catches up');
});

test('load asks for all five entities in one request and fills the cache', async () => {
  await storage.saveItem('news', { title: 'A' });
  await storage.saveItem('conductors', { title: 'Matinale', segments: [{ id: 's1', order: 0 }] });
  api.calls.length = 0;
  const data = await storage.load();
  assert.equal(api.calls.length, 1);
  assert.deepEqual(Object.keys(data).sort(), ['animations', 'blocks', 'conductors', 'journals', 'news', 'settings']);
  assert.deepEqual(data.conductors[0].segments, [{ id: 's1', order: 0 }]);
  assert.equal(storage.getStats().total, 2);
});

test('the trash brings every page of deleted items, newest deletion first, all entities per request', async () => {
  const a = await storage.saveItem('news', { title: 'A' });
  const b = await storage.saveItem('news', { title: 'B' });
  await storage.saveItem('conductors', { title: 'Matinale' });
  writtenElsewhere(a.id, { deletedAt: 5000 });
  writtenElsewhere(b.id, { deletedAt: 6000 });
  api.calls.length = 0;
  const trash = await storage.getTrash();
  assert.deepEqual(trash.news.map((item) => [item.title, item.version]), [['B', 2], ['A', 2]]);
  assert.deepEqual(trash.conductors, []);
  // Two pages of news: the second request asks for news alone.
  assert.equal(api.calls.length, 2);
  assert.deepEqual(api.calls[1].variables, { newsToken: '1' });
});

test('save(data) sends only the items that differ from the server copy', async () => {
  await storage.saveItem('news', { title: 'A' });
  await storage.saveItem('news', { title: 'B' });
  api.calls.length = 0;
  const [b, a] = storage.cache.news;
  await storage.save({ news: [{ ...a }, { ...b, title: 'B modifiée' }] });
  assert.equal(api.calls.length, 1);
  assert.match(api.calls[0].variables.input.data, /B modifiée/);
});

test('remote changes apply when newer and reach the app; echoes of our own saves do not', async () => {
  const news = await storage.saveItem('news', { title: 'A' });
  const seen = [];
  globalThis.app = { onDatabaseUpdate: (change) => seen.push(change.op) };
  try {
    const echo = { entity: 'news', op: 'CREATE', id: news.id, version: 1, item: JSON.stringify(news), changedAt: 5 };
    await storage.receive(echo);
    assert.deepEqual(seen, []);
    await storage.receive({ ...echo, op: 'DELETE', version: 2, item: JSON.stringify({ ...news, version: 2, deletedAt: 9 }) });
    assert.deepEqual(seen, ['DELETE']);
    assert.equal(storage.cache.news.length, 0);
  } finally {
    delete globalThis.app;
  }
});

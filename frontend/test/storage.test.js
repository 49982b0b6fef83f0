// StorageDynamoDB against a small in-memory stand-in for the GraphQL API: what each call sends
// (one request per save, the version it started from) and what it does with the answers.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { ENTITIES } from '../src/entities.js';
import { SaveConflict, StorageDynamoDB } from '../src/storage.js';

const ENTITY_OF_TYPE = Object.fromEntries(ENTITIES.map((e) => [e.typeName, e.name]));

const NETWORK_DOWN = { data: {}, errors: [{ message: 'A network error has occurred.', originalError: { name: 'NetworkError' } }] };

/** The API as the resolver behaves: versions +1 per write, ConflictError with the current item,
 * NotFoundError for an update of an id it never had; createdAt set by the server. */
function fakeApi() {
  const api = { calls: [], items: new Map(), offline: false, now: 1000, admin: true };
  // `entity` is the stand-in's own bookkeeping: never part of the item.
  const answer = ({ entity: _entity, ...item }) => ({ id: item.id, version: item.version, updatedAt: item.updatedAt, deletedAt: item.deletedAt ?? null, data: JSON.stringify(item) });
  const conflict = ({ entity: _entity, ...current }) => ({ data: {}, errors: [{ errorType: 'ConflictError', message: 'stale', errorInfo: { current } }] });
  const notFound = { data: {}, errors: [{ errorType: 'NotFoundError', message: 'does not exist' }] };
  const entityOf = (query) => ENTITY_OF_TYPE[/(?:create|update|delete|restore|get)(\w+)\(/.exec(query)[1]];
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
    const [, op] = /(?:mutation|query) (\w+)/.exec(query);
    const id = variables.input?.id ?? variables.id;
    const current = api.items.get(id);
    if (op === 'Get') return { data: { result: current ? answer(current) : null } };
    if (op === 'Create') {
      if (current) throw conflict(current);
      const item = { ...JSON.parse(variables.input.data), id, version: 1, createdAt: api.now, updatedAt: api.now, entity: entityOf(query) };
      api.items.set(id, item);
      return { data: { result: answer(item) } };
    }
    if (!current) throw notFound;
    const next = (fields) => {
      const item = { ...fields, id, version: current.version + 1, createdAt: current.createdAt, updatedAt: api.now, entity: current.entity };
      api.items.set(id, item);
      return { data: { result: answer(item) } };
    };
    if (op === 'Update') {
      if (current.version !== variables.input.expectedVersion || current.deletedAt) throw conflict(current);
      return next(JSON.parse(variables.input.data));
    }
    if (op === 'Delete') {
      if (current.version !== variables.expectedVersion) throw conflict(current);
      return next({ ...current, deletedAt: api.now });
    }
    if (op === 'Restore') {
      if (!api.admin) throw { data: {}, errors: [{ errorType: 'Unauthorized', message: 'only admins may restore deleted items' }] };
      const { deletedAt: _deletedAt, ...restored } = current;
      return next(restored);
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

test('remote changes apply when newer and are announced; echoes of our own saves are not', async () => {
  const news = await storage.saveItem('news', { title: 'A' });
  const seen = [];
  storage.addEventListener('change', (event) => seen.push(event.detail.op));
  const echo = { entity: 'news', op: 'CREATE', id: news.id, version: 1, item: JSON.stringify(news), changedAt: 5 };
  await storage.receive(echo);
  assert.deepEqual(seen, []);
  await storage.receive({ ...echo, op: 'DELETE', version: 2, item: JSON.stringify({ ...news, version: 2, deletedAt: 9 }) });
  assert.deepEqual(seen, ['DELETE']);
  assert.equal(storage.cache.news.length, 0);
});

// ---- the surface as the station's app relies on it (docs/contracts.md) ---------------------

const APP_LISTS = ['news', 'animations', 'blocks', 'conductors', 'journals'];

test('load() hands out the same live arrays each time, newest creation first, and asks once', async () => {
  const first = await storage.saveItem('news', { title: 'Première' });
  await storage.saveItem('news', { title: 'Deuxième' });
  api.calls.length = 0;
  const data = await storage.load();
  assert.equal(api.calls.length, 1, 'the first load reads every page');
  assert.deepEqual(APP_LISTS.filter((name) => Array.isArray(data[name])), APP_LISTS);
  assert.equal(data.multitracks, undefined, 'the multitrack editor reads its projects itself');
  assert.deepEqual(data.news.map((n) => n.title), ['Deuxième', 'Première']);

  await storage.saveItem('news', { title: 'Troisième' });
  await storage.saveItem('news', { ...data.news.find((n) => n.id === first.id), title: 'Première (corrigée)' });
  await storage.receive({ entity: 'journals', op: 'CREATE', id: 'journal-9', version: 1, item: JSON.stringify({ id: 'journal-9', title: 'Journal 12h', createdAt: 1 }), changedAt: 2 });
  api.calls.length = 0;
  const again = await storage.load();
  assert.equal(api.calls.length, 0, 'later loads send nothing');
  for (const name of APP_LISTS) assert.equal(again[name], data[name], `${name}: the same array`);
  assert.deepEqual(again.news.map((n) => n.title), ['Troisième', 'Deuxième', 'Première (corrigée)']);
  assert.deepEqual(again.journals.map((j) => j.title), ['Journal 12h'], 'remote changes applied');
});

test('"Dupliquer": a copy with a new id keeps the loaded version and is created', async () => {
  await storage.saveItem('animations', { title: 'Jeu de l\'été' });
  const [loaded] = (await storage.load()).animations;
  await storage.saveItem('animations', { ...loaded, title: 'Jeu de l\'été v2' });
  api.calls.length = 0;
  const copy = { ...storage.cache.animations[0], id: 'animation-42', title: 'Jeu de l\'été v2 (copie)', createdAt: 42 };
  assert.equal(copy.version, 2);

  const saved = await storage.saveItem('animations', copy);

  assert.equal(api.calls.length, 1);
  assert.match(api.calls[0].query, /createAnimation/);
  assert.deepEqual([saved.id, saved.version], ['animation-42', 1]);
  assert.equal(storage.cache.animations.length, 2);
});

test('an update the server answers NotFoundError (purged meanwhile) is saved as a create', async () => {
  const news = await storage.saveItem('news', { title: 'Brève' });
  api.items.delete(news.id);
  const saved = await storage.saveItem('news', { ...storage.cache.news[0], title: 'Brève (reprise)' });
  assert.deepEqual(api.calls.slice(-2).map((c) => /mutation (\w+)/.exec(c.query)[1]), ['Update', 'Create']);
  assert.deepEqual([saved.title, saved.version], ['Brève (reprise)', 1]);
});

test('saveItem takes the app\'s singular "animation" and rejects an unknown type', async () => {
  const animation = await storage.saveItem('animations', { title: 'Archive', status: 'archived' });
  const restored = await storage.saveItem('animation', { ...storage.cache.animations[0], status: 'draft' });
  assert.match(api.calls.at(-1).query, /updateAnimation/);
  assert.deepEqual([restored.id, restored.status, restored.version], [animation.id, 'draft', 2]);
  await assert.rejects(storage.saveItem('habillage', { title: 'x' }), /unknown item type "habillage"/);
});

test('deleteItem resolves true or false and never throws', async () => {
  const news = await storage.saveItem('news', { title: 'A' });
  assert.equal(await storage.deleteItem('news', news.id, news.createdAt), true);
  assert.equal(storage.cache.news.length, 0);
  assert.equal(await storage.deleteItem('news', 'news-unknown', 1), false);
  assert.equal(await storage.deleteItem('habillage', 'x', 1), false);
  const other = await storage.saveItem('news', { title: 'B' });
  api.offline = true;
  assert.equal(await storage.deleteItem('news', other.id, 1), false);
});

test('save(data) trashes the news and animations the app removed since load(), and writes nothing else', async () => {
  await storage.saveItem('news', { title: 'Gardée' });
  const gone = await storage.saveItem('news', { title: 'Supprimée définitivement' });
  const animation = await storage.saveItem('animations', { title: 'Animation' });
  await storage.saveItem('conductors', { title: 'Conducteur' });
  const data = await storage.load();
  // The app's "delete forever": splice the loaded array, edit nothing else on purpose, but
  // its cached items carry unsaved edits (upload handlers mutate them at once).
  data.news.splice(data.news.findIndex((n) => n.id === gone.id), 1);
  data.animations[0].title = 'pas encore enregistré';
  data.conductors.length = 0;
  api.calls.length = 0;

  assert.equal(await storage.save(data), true);

  assert.deepEqual(api.calls.map((c) => [/mutation (\w+)/.exec(c.query)[1], c.variables.id]), [['Delete', gone.id]]);
  assert.ok(api.items.get(gone.id).deletedAt, 'in the trash, restorable');
  assert.equal(api.items.get(animation.id).title, 'Animation');
  api.calls.length = 0;
  await storage.save(data);
  assert.equal(api.calls.length, 0, 'nothing left to delete');
});

test('getAllJournals returns a fresh array the app may sort', async () => {
  await storage.saveItem('journals', { title: 'B' });
  await storage.saveItem('journals', { title: 'A' });
  const journals = storage.getAllJournals();
  journals.sort((x, y) => x.title.localeCompare(y.title));
  assert.notEqual(journals, storage.cache.journals);
  assert.deepEqual(storage.cache.journals.map((j) => j.title), ['A', 'B']);
});

test('db.getAll(\'multitracks\') reads the projects once, then the live list; saveItem takes multitracks', async () => {
  await storage.saveItem('multitracks', { name: 'Projet', userId: 'unknown', tracks: [] });
  storage.replica.reset('multitracks', []);
  storage.loaded.clear();
  api.calls.length = 0;
  const projects = await storage.db.getAll('multitracks');
  assert.deepEqual(projects.map((p) => p.name), ['Projet']);
  assert.deepEqual(Object.keys(api.calls[0].variables), ['multitracksToken']);
  await storage.saveItem('multitracks', { ...projects[0], name: 'Projet v2' });
  api.calls.length = 0;
  assert.equal(await storage.db.getAll('multitracks'), projects);
  assert.equal(api.calls.length, 0);
  assert.deepEqual(projects.map((p) => p.name), ['Projet v2']);
});

test('a same-field conflict nobody listens to is put to the user, and the save settles with their choice', async () => {
  const asked = [];
  storage = new StorageDynamoDB({ document: {}, askConflict: async (detail, options) => { asked.push([detail, options]); return 'mine'; } });
  storage.client = { graphql: api.graphql };
  const news = await storage.saveItem('news', { title: 'Météo', content: 'Soleil' });
  const opened = structuredClone(storage.cache.news[0]);
  writtenElsewhere(news.id, { content: 'Pluie' });

  const saved = await storage.saveItem('news', { ...opened, content: 'Orages' });

  assert.equal(asked.length, 1);
  assert.deepEqual(asked[0][0].conflicts.map((c) => c.path), ['content']);
  assert.deepEqual(asked[0][1], { document: {} });
  assert.deepEqual([saved.content, saved.version], ['Orages', 3]);

  // With a listener, the page decides: the promise is rejected as before.
  const listener = () => {};
  storage.addEventListener('conflict', listener);
  writtenElsewhere(news.id, { content: 'Neige' });
  await assert.rejects(storage.saveItem('news', { ...saved, content: 'Grêle' }), SaveConflict);
  assert.equal(asked.length, 1);
  storage.removeEventListener('conflict', listener);
  writtenElsewhere(news.id, { content: 'Brouillard' });
  await storage.saveItem('news', { ...storage.cache.news[0], version: 4, content: 'Vent' });
  assert.equal(asked.length, 2, 'the listener gone, the dialog is back');
});

test('deleted meanwhile: "mine" brings my version back, "theirs" accepts the deletion', async () => {
  let decision;
  storage = new StorageDynamoDB({ document: {}, askConflict: async () => decision });
  storage.client = { graphql: api.graphql };
  const news = await storage.saveItem('news', { title: 'Flash' });
  const opened = structuredClone(storage.cache.news[0]);
  writtenElsewhere(news.id, { deletedAt: 7 });

  decision = 'theirs';
  assert.equal(await storage.saveItem('news', { ...opened, title: 'Flash modifié' }), null);
  assert.ok(api.items.get(news.id).deletedAt);
  assert.equal(storage.cache.news.length, 0, 'the deletion is shown');

  decision = 'mine';
  const saved = await storage.saveItem('news', { ...opened, title: 'Flash modifié' });
  assert.equal(saved.title, 'Flash modifié');
  assert.equal(api.items.get(news.id).deletedAt, undefined, 'restored with my version');
  assert.deepEqual(storage.cache.news.map((n) => n.title), ['Flash modifié']);
});

test('deleted meanwhile, a non-admin\'s "mine" recreates their version as a new item (only admins restore)', async () => {
  storage = new StorageDynamoDB({ document: {}, askConflict: async () => 'mine' });
  storage.client = { graphql: api.graphql };
  api.admin = false;
  const news = await storage.saveItem('news', { title: 'Programme de la fête' });
  const opened = structuredClone(storage.cache.news[0]);
  writtenElsewhere(news.id, { deletedAt: 7 });

  const saved = await storage.saveItem('news', { ...opened, content: 'Feu d\'artifice à 22 h 30' });

  assert.notEqual(saved.id, news.id);
  assert.deepEqual([saved.title, saved.content, saved.version], ['Programme de la fête', 'Feu d\'artifice à 22 h 30', 1]);
  assert.ok(api.items.get(news.id).deletedAt, 'the deleted one stays in the trash');
  assert.deepEqual(storage.cache.news.map((n) => n.id), [saved.id]);
});

test('a save replayed after the network came back gets the same settling as a live one: the dialog when nobody listens, a create for an id the server lost', async () => {
  const asked = [];
  storage = new StorageDynamoDB({ document: {}, askConflict: async (detail) => { asked.push(detail); return 'mine'; } });
  storage.client = { graphql: api.graphql };
  storage.userId = 'sub-claire';
  const news = await storage.saveItem('news', { title: 'Météo', content: 'Soleil' });
  const purged = await storage.saveItem('news', { title: 'Brève' });
  api.offline = true;
  await storage.saveItem('news', { ...storage.cache.news.find((n) => n.id === news.id), content: 'Orages' });
  await storage.saveItem('news', { ...storage.cache.news.find((n) => n.id === purged.id), content: 'hors ligne' });
  writtenElsewhere(news.id, { content: 'Pluie' });
  api.items.delete(purged.id);

  api.offline = false;
  await storage.resync();

  assert.deepEqual(asked.map((detail) => detail.conflicts.map((c) => c.path)), [['content']]);
  assert.deepEqual([api.items.get(news.id).content, api.items.get(news.id).version], ['Orages', 3]);
  assert.deepEqual([api.items.get(purged.id).content, api.items.get(purged.id).version], ['hors ligne', 1]);
  assert.equal(storage.outbox.pending.length, 0);
  assert.equal(storage.outbox.decisions.length, 0, 'nothing left waiting for a decision nobody shows');
});

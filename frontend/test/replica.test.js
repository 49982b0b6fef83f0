import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Replica, itemOf } from '../src/replica.js';

const news = (id, version, extra = {}) => ({ id, version, title: `${id} v${version}`, updatedAt: 1000 + version, ...extra });
const change = (op, item, extra = {}) => ({ entity: 'news', op, id: item.id, version: item.version, item: JSON.stringify(item), changedAt: item.updatedAt, ...extra });

function loaded(...items) {
  const replica = new Replica();
  replica.reset('news', items);
  return replica;
}

test('a newer change replaces the cached item in place; an older or equal one is ignored', () => {
  const replica = loaded(news('a', 1), news('b', 2));
  const cachedList = replica.cache.news;
  assert.equal(replica.apply(change('UPDATE', news('b', 3))), 'applied');
  assert.equal(cachedList, replica.cache.news, 'the app keeps the same array');
  assert.deepEqual(replica.cache.news.map((item) => item.title), ['a v1', 'b v3']);
  assert.equal(replica.apply(change('UPDATE', news('b', 3))), 'stale', 'echo of our own save');
  assert.equal(replica.apply(change('UPDATE', news('b', 2))), 'stale', 'late, older change');
  assert.equal(replica.cache.news[1].title, 'b v3');
});

test('new items go first; deletes remove; a late older update cannot resurrect a deleted item', () => {
  const replica = loaded(news('a', 1));
  assert.equal(replica.apply(change('CREATE', news('c', 1))), 'applied');
  assert.deepEqual(replica.cache.news.map((item) => item.id), ['c', 'a']);
  assert.equal(replica.apply(change('DELETE', news('a', 2, { deletedAt: 5 }))), 'applied');
  assert.deepEqual(replica.cache.news.map((item) => item.id), ['c']);
  assert.equal(replica.apply(change('UPDATE', news('a', 1))), 'stale');
  assert.equal(replica.apply(change('RESTORE', news('a', 3))), 'applied');
  assert.ok(replica.cache.news.some((item) => item.id === 'a'));
});

test('a change without its item (too large for a message) asks for a refetch', () => {
  const replica = loaded(news('a', 1));
  assert.equal(replica.apply({ entity: 'news', op: 'UPDATE', id: 'a', version: 2, item: null, changedAt: 9 }), 'refetch');
  assert.equal(replica.cache.news[0].version, 1);
});

test('a write made outside the API (no version) is taken; PURGE removes', () => {
  const replica = loaded(news('a', 1));
  const outside = { id: 'flash-info-natio-permanent', title: 'Flash' };
  assert.equal(replica.apply({ entity: 'news', op: 'CREATE', id: outside.id, version: null, item: JSON.stringify(outside), changedAt: 5 }), 'applied');
  assert.equal(replica.cache.news[0].title, 'Flash');
  assert.equal(replica.apply({ entity: 'news', op: 'PURGE', id: 'a', version: null, item: null, changedAt: 6 }), 'applied');
  assert.deepEqual(replica.cache.news.map((item) => item.id), [outside.id]);
});

test('the server copy is kept apart from the cached object the app edits, per version', () => {
  const replica = loaded(news('a', 1));
  replica.cache.news[0].title = 'edited in place by the app';
  assert.equal(replica.serverCopy('news', 'a').title, 'a v1');
  replica.apply(change('UPDATE', news('a', 2)));
  assert.equal(replica.serverCopy('news', 'a').title, 'a v2');
  assert.equal(replica.serverCopy('news', 'a', 1).title, 'a v1', 'an editor opened at v1 still finds its base');
});

test('lastSeen follows the newest server timestamp (where a catch-up starts)', () => {
  const replica = loaded(news('a', 1), news('b', 7));
  assert.equal(replica.lastSeen, 1007);
  replica.apply(change('UPDATE', news('a', 9)));
  assert.equal(replica.lastSeen, 1009);
});

test('itemOf parses AWSJSON and carries the version', () => {
  assert.deepEqual(itemOf({ version: 4, data: '{"id":"x","title":"t"}' }), { id: 'x', title: 't', version: 4 });
  assert.equal(itemOf({ version: 1, item: null }), null);
});

// The storage's paged reads (src/storage/reads.js) against a stand-in that pages each entity's
// list on its own: every page of every entity is read, side by side, and an entity whose last
// page is in is not asked again.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { allPages, readChanges, readLists } from '../src/storage/reads.js';

/** A request answering `lists` ({entity: [records]}) `pageSize` records per page; the token is
 * the next offset. Records every request's variables. */
function pagedApi(lists, pageSize) {
  const asked = [];
  const request = async (_query, variables) => {
    asked.push(variables);
    const data = {};
    for (const [variable, token] of Object.entries(variables).filter(([name]) => name.endsWith('Token'))) {
      const name = variable.replace(/Token$/, '');
      const at = Number(token ?? 0);
      const next = at + pageSize;
      data[name] = { items: lists[name].slice(at, next), nextToken: next < lists[name].length ? String(next) : null };
    }
    return data;
  };
  return { request, asked };
}

const record = (id) => ({ id, version: 1, data: JSON.stringify({ id, title: id }) });

test('every page of every entity is read, in order, and a finished entity is no longer asked', async () => {
  const lists = { news: ['n1', 'n2', 'n3', 'n4', 'n5'].map(record), journals: [record('j1')], blocks: [] };
  const { request, asked } = pagedApi(lists, 2);

  const read = await readLists(request, ['news', 'journals', 'blocks']);

  assert.deepEqual(read.news.map((item) => item.id), ['n1', 'n2', 'n3', 'n4', 'n5']);
  assert.deepEqual(read.journals, [{ id: 'j1', title: 'j1', version: 1 }]);
  assert.deepEqual(read.blocks, []);
  assert.deepEqual(asked, [
    { newsToken: null, journalsToken: null, blocksToken: null },
    { newsToken: '2' },
    { newsToken: '4' },
  ], 'one request per page, side by side, the longest list deciding how many');
});

test('no entities asked, no request sent', async () => {
  const { request, asked } = pagedApi({}, 2);
  assert.deepEqual(await allPages(request, () => assert.fail('no query to build'), []), {});
  assert.equal(asked.length, 0);
});

test('changes since a time: each entity paged from the same time, all changes in one list', async () => {
  const change = (entity, id) => ({ entity, id, op: 'UPDATE', version: 2, changedAt: 10 });
  const lists = { news: [change('news', 'n1'), change('news', 'n2'), change('news', 'n3')], journals: [change('journals', 'j1')] };
  const { request, asked } = pagedApi(lists, 2);

  const changes = await readChanges(request, ['news', 'journals'], 1234);

  assert.deepEqual(changes.map((c) => c.id), ['n1', 'n2', 'n3', 'j1']);
  assert.deepEqual(asked.map((variables) => variables.newsSince), [1234, 1234]);
  assert.equal(asked[1].journalsSince, undefined, 'journals were done after one page');
});

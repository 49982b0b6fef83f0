import assert from 'node:assert/strict';
import { test } from 'node:test';

import { PAGE_SIZE, changedSubscription, changesQuery, loadQuery, trashQuery, updateMutation } from '../src/operations.js';
import { requireEntity } from '../src/entities.js';

test('load asks every entity for a page in one request, each under its own alias', () => {
  const { query, variables } = loadQuery({ news: null, animations: null, blocks: null, conductors: null, journals: null });
  for (const [alias, field] of [['news', 'listNews'], ['animations', 'listAnimations'], ['blocks', 'listBlocks'],
    ['conductors', 'listConductors'], ['journals', 'listJournals']]) {
    assert.ok(query.includes(`${alias}: ${field}(limit: ${PAGE_SIZE}, nextToken: $${alias}Token)`), field);
  }
  assert.equal(Object.keys(variables).length, 5);
});

test('later pages ask only for the entities that have more', () => {
  const { query, variables } = loadQuery({ news: 'token-2' });
  assert.ok(query.includes('listNews'));
  assert.ok(!query.includes('listJournals'));
  assert.deepEqual(variables, { newsToken: 'token-2' });
});

test('the trash asks each entity for its deleted items under its own alias', () => {
  const { query, variables } = trashQuery({ news: null, journals: 'token-3' });
  assert.ok(query.startsWith('query Trash('));
  assert.ok(query.includes(`news: listDeletedNews(limit: ${PAGE_SIZE}, nextToken: $newsToken)`));
  assert.ok(query.includes('journals: listDeletedJournals('));
  assert.ok(!query.includes('listDeletedBlocks'));
  assert.deepEqual(variables, { newsToken: null, journalsToken: 'token-3' });
});

test('the catch-up query pages changesSince per entity', () => {
  const { query, variables } = changesQuery({ news: { since: 10 }, journals: { since: 10, nextToken: 't' } });
  assert.ok(query.includes('news: changesSince(entity: news, since: $newsSince'));
  assert.ok(query.includes('journals: changesSince(entity: journals'));
  assert.deepEqual(variables, { newsSince: 10, newsToken: null, journalsSince: 10, journalsToken: 't' });
});

test('subscriptions select every Change field the publisher sends', () => {
  const text = changedSubscription(requireEntity('conductors'));
  assert.match(text, /onConductorChanged \{ entity op id version item changedBy changedAt \}/);
  assert.match(updateMutation(requireEntity('animation')), /updateAnimation\(input: \$input\)/);
});

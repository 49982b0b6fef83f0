import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { ENTITIES, appFields, entityFor, newId, requireEntity } from '../src/entities.js';

const schema = readFileSync(new URL('../../infra/schema.graphql', import.meta.url), 'utf8');
const entitiesPy = readFileSync(new URL('../../newsroom/entities.py', import.meta.url), 'utf8');

test('every entity matches newsroom/entities.py (name, GraphQL type, plural, id prefix)', () => {
  for (const entity of ENTITIES) {
    const line = `Entity("${entity.name}", "${entity.typeName}", "${entity.plural}", "${entity.idPrefix}"`;
    assert.ok(entitiesPy.includes(line), `newsroom/entities.py lacks ${line}`);
  }
  assert.equal((entitiesPy.match(/^\s+Entity\("/gm) ?? []).length, ENTITIES.length);
});

test('every operation the storage module sends exists in the schema', () => {
  for (const { typeName, plural } of ENTITIES) {
    for (const field of [`get${typeName}(`, `list${plural}(`, `create${typeName}(`, `update${typeName}(`,
      `delete${typeName}(`, `restore${typeName}(`, `on${typeName}Changed:`]) {
      assert.ok(schema.includes(field), `schema lacks ${field}`);
    }
  }
});

test('the app\'s singular and plural type names reach the same entity', () => {
  assert.equal(entityFor('animation').name, 'animations');
  assert.equal(entityFor('animations').name, 'animations');
  assert.equal(entityFor('news').name, 'news');
  assert.equal(entityFor('Conductor').name, 'conductors');
  assert.equal(entityFor('journal').name, 'journals');
  assert.equal(entityFor('multitracks').name, 'multitracks');
  assert.equal(entityFor('habillage'), null);
  assert.throws(() => requireEntity('audio'), /unknown item type "audio"/);
});

test('new ids follow the app\'s format and never repeat within a millisecond', () => {
  const entity = requireEntity('news');
  const first = newId(entity, 1700000000000);
  const second = newId(entity, 1700000000000);
  assert.match(first, /^news-\d+$/);
  assert.notEqual(first, second);
});

test('appFields drops what only the server sets', () => {
  const item = { id: 'news-1', title: 't', version: 3, createdAt: 1, updatedAt: 2, ownerId: 'u', updatedBy: 'u', deletedAt: 5 };
  assert.deepEqual(appFields(item), { id: 'news-1', title: 't' });
  assert.equal(item.version, 3, 'the original is left alone');
});

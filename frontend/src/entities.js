// The newsroom's entities as the GraphQL API names them. The source of truth is
// newsroom/entities.py and infra/schema.graphql; test/entities.test.js checks this table
// against both, so the three can never drift apart.

export const ENTITIES = [
  { name: 'news', typeName: 'News', plural: 'News', idPrefix: 'news' },
  { name: 'animations', typeName: 'Animation', plural: 'Animations', idPrefix: 'animation' },
  { name: 'blocks', typeName: 'Block', plural: 'Blocks', idPrefix: 'block' },
  { name: 'conductors', typeName: 'Conductor', plural: 'Conductors', idPrefix: 'conductor' },
  { name: 'journals', typeName: 'Journal', plural: 'Journals', idPrefix: 'journal' },
  { name: 'multitracks', typeName: 'Multitrack', plural: 'Multitracks', idPrefix: 'multitrack' },
];

// What the app's load() returns: every entity but the multitrack projects, which the
// multitrack editor reads on its own (storage.db.getAll('multitracks')).
export const APP_ENTITIES = ENTITIES.filter((entity) => entity.name !== 'multitracks');

const BY_NAME = new Map(ENTITIES.map((entity) => [entity.name, entity]));

// Server-set fields: the API ignores them in an input, so they are stripped before sending
// (and `deletedAt` must never travel back as if the user had typed it).
export const SYSTEM_FIELDS = ['version', 'createdAt', 'updatedAt', 'ownerId', 'updatedBy', 'deletedAt'];

/** The entity behind a type name the app passes to saveItem/deleteItem: 'animation' and
 * 'animations' are the same thing; an unknown name is null. */
export function entityFor(type) {
  const key = String(type ?? '').toLowerCase();
  return BY_NAME.get(key) ?? BY_NAME.get(`${key}s`) ?? null;
}

export function requireEntity(type) {
  const entity = entityFor(type);
  if (!entity) throw new TypeError(`unknown item type "${type}"`);
  return entity;
}

/** A new client id in the app's own format: news-<epoch ms> (a counter keeps two ids made in
 * the same millisecond apart). */
let lastIdTime = 0;
export function newId(entity, now = Date.now()) {
  lastIdTime = Math.max(now, lastIdTime + 1);
  return `${entity.idPrefix}-${lastIdTime}`;
}

/** The item as the app's fields only: what a create or update sends as `data`. */
export function appFields(item) {
  const fields = { ...item };
  for (const name of SYSTEM_FIELDS) delete fields[name];
  return fields;
}

// GraphQL documents for infra/schema.graphql, built from the entity table so that each
// operation is written once for every entity.
import { ENTITIES } from './entities.js';

// What the storage module needs of an item: `data` is the whole item as the app sees it.
const ITEM_FIELDS = 'id version updatedAt deletedAt data';
// Every Change field the publisher selects (docs/contracts.md): a subscriber gets only these.
export const CHANGE_FIELDS = 'entity op id version item changedBy changedAt';

// Large pages: one request brings up to PAGE_SIZE items of each entity asked for.
export const PAGE_SIZE = 500;

/** One request listing a page of every entity given in `tokens` ({entity name: nextToken or
 * null for the first page}), each under its own alias: load() costs one request per page of
 * the largest entity, not one per entity. */
export const loadQuery = (tokens) => pagesQuery('Load', tokens, (entity) => `list${entity.plural}`);

/** The same for the trash: deleted items not yet purged, newest deletion first. */
export const trashQuery = (tokens) => pagesQuery('Trash', tokens, (entity) => `listDeleted${entity.plural}`);

function pagesQuery(name, tokens, fieldOf) {
  const wanted = ENTITIES.filter((entity) => entity.name in tokens);
  const params = wanted.map((entity) => `$${entity.name}Token: String`).join(', ');
  const fields = wanted
    .map(
      (entity) =>
        `  ${entity.name}: ${fieldOf(entity)}(limit: ${PAGE_SIZE}, nextToken: $${entity.name}Token) ` +
        `{ items { ${ITEM_FIELDS} } nextToken }`,
    )
    .join('\n');
  const variables = Object.fromEntries(wanted.map((entity) => [`${entity.name}Token`, tokens[entity.name]]));
  return { query: `query ${name}(${params}) {\n${fields}\n}`, variables };
}

/** One request for the changes of every entity given in `cursors` ({entity name: {since,
 * nextToken}}) since a time: the catch-up of a client that was disconnected. */
export function changesQuery(cursors) {
  const wanted = ENTITIES.filter((entity) => entity.name in cursors);
  const params = wanted.map((e) => `$${e.name}Since: Float!, $${e.name}Token: String`).join(', ');
  const fields = wanted
    .map(
      (e) =>
        `  ${e.name}: changesSince(entity: ${e.name}, since: $${e.name}Since, limit: ${PAGE_SIZE}, ` +
        `nextToken: $${e.name}Token) { items { ${CHANGE_FIELDS} } nextToken }`,
    )
    .join('\n');
  const variables = {};
  for (const e of wanted) {
    variables[`${e.name}Since`] = cursors[e.name].since;
    variables[`${e.name}Token`] = cursors[e.name].nextToken ?? null;
  }
  return { query: `query CatchUp(${params}) {\n${fields}\n}`, variables };
}

export const getQuery = (entity) =>
  `query Get($id: ID!) { result: get${entity.typeName}(id: $id) { ${ITEM_FIELDS} } }`;

export const createMutation = (entity) =>
  `mutation Create($input: CreateItemInput!) { result: create${entity.typeName}(input: $input) { ${ITEM_FIELDS} } }`;

export const updateMutation = (entity) =>
  `mutation Update($input: UpdateItemInput!) { result: update${entity.typeName}(input: $input) { ${ITEM_FIELDS} } }`;

export const deleteMutation = (entity) =>
  `mutation Delete($id: ID!, $expectedVersion: Int!) { result: delete${entity.typeName}(id: $id, expectedVersion: $expectedVersion) { ${ITEM_FIELDS} } }`;

export const restoreMutation = (entity) =>
  `mutation Restore($id: ID!) { result: restore${entity.typeName}(id: $id) { ${ITEM_FIELDS} } }`;

// No alias here: the subscription's field name is what the real-time service routes on.
export const subscriptionField = (entity) => `on${entity.typeName}Changed`;
export const changedSubscription = (entity) =>
  `subscription Changed { ${subscriptionField(entity)} { ${CHANGE_FIELDS} } }`;

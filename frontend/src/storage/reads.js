// Reading the newsroom from the API: whole lists, page by page, and one item. A list query
// answers one page and a nextToken; the storage reads several entities side by side in one
// request per page, until every entity's last page is in. What was read goes to the replica
// through the storage (`reload`); these functions only fetch.
//
// `request(query, variables)` is the storage's GraphQL request (storage/request.js).
import * as ops from '../operations.js';
import { itemOf } from '../replica.js';

/** Every page of a paged query for the entities `names` (`pagesQuery(tokens)` builds one
 * request from {entity name: nextToken}): {entity name: [records as the API sent them]}. */
export async function allPages(request, pagesQuery, names) {
  const items = Object.fromEntries(names.map((name) => [name, []]));
  let tokens = Object.fromEntries(names.map((name) => [name, null]));
  while (Object.keys(tokens).length) {
    const { query, variables } = pagesQuery(tokens);
    const data = await request(query, variables);
    const next = {};
    for (const name of Object.keys(tokens)) {
      items[name].push(...data[name].items);
      if (data[name].nextToken) next[name] = data[name].nextToken;
    }
    tokens = next;
  }
  return items;
}

/** The live items of the entities `names`, every page: {entity name: [items]}. */
export async function readLists(request, names) {
  const pages = await allPages(request, ops.loadQuery, names);
  return Object.fromEntries(names.map((name) => [name, pages[name].map(itemOf)]));
}

/** One item as stored now (tombstones included), or null. */
export async function readItem(request, entity, id) {
  const data = await request(ops.getQuery(entity), { id });
  return data.result ? itemOf(data.result) : null;
}

/** Every change of the entities `names` since `since` (epoch ms), oldest first per entity. */
export async function readChanges(request, names, since) {
  const cursors = (tokens) => Object.fromEntries(
    Object.entries(tokens).map(([name, nextToken]) => [name, { since, nextToken }]));
  const pages = await allPages(request, (tokens) => ops.changesQuery(cursors(tokens)), names);
  return Object.values(pages).flat();
}

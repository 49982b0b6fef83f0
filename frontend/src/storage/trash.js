// Deleting and restoring. A delete is a tombstone others see disappear, restorable from the
// trash until the stack's retention purges it. The station's app has one more way to delete:
// its "delete forever" hands `save(data)` the lists load() gave minus what it removed; those
// news and animations go to the trash too (docs/contracts.md, "The station's app: storage
// surface and session").
//
// The functions work on the StorageDynamoDB passed in: its request, replica, emit, the ids
// its last load() handed out (`handedOut`) and its public getItem/deleteItem.
import { ENTITIES, requireEntity } from '../entities.js';
import * as ops from '../operations.js';
import { itemOf } from '../replica.js';
import { allPages } from './reads.js';

// The app's "delete forever" (save(data) without an item) covers these lists only.
const TRASHED_BY_SAVE = ['news', 'animations'];

/** What save(data) compares to: the ids of the news and animations in the lists handed out. */
export function handedOutIds(lists) {
  return Object.fromEntries(TRASHED_BY_SAVE.map((name) => [name, new Set(lists[name].map((item) => item.id))]));
}

/** Soft delete; resolves whether it was deleted and never throws (the app tests the result;
 * a failure is sent as an `error` event). */
export async function deleteItem(storage, type, id) {
  try {
    const entity = requireEntity(type);
    let expectedVersion = storage.replica.cachedVersion(entity.name, id);
    if (expectedVersion == null) expectedVersion = (await storage.getItem(entity.name, id))?.version;
    if (expectedVersion == null) return false;
    const data = await storage.request(ops.deleteMutation(entity), { id, expectedVersion });
    storage.replica.remove(entity.name, id, itemOf(data.result)?.version);
    return true;
  } catch (error) {
    storage.emit('error', { error });
    return false;
  }
}

/** Take an item out of the trash (admins); the restored item is cached and returned. */
export async function restoreItem(storage, type, id) {
  const entity = requireEntity(type);
  const data = await storage.request(ops.restoreMutation(entity), { id });
  const item = itemOf(data.result);
  storage.replica.accept(entity.name, item);
  return item;
}

/** Deleted items still restorable, newest deletion first: {entity name: [items]}. */
export async function readTrash(request) {
  const pages = await allPages(request, ops.trashQuery, ENTITIES.map((e) => e.name));
  return Object.fromEntries(Object.entries(pages).map(([name, records]) => [name, records.map(itemOf)]));
}

/** The "delete forever" of save(data): every news or animation handed out and absent from
 * `data` goes to the trash. Resolves whether every removal was stored. */
export async function trashDropped(storage, data) {
  let stored = true;
  for (const name of TRASHED_BY_SAVE) {
    if (!storage.handedOut || !Array.isArray(data[name])) continue;
    const kept = new Set(data[name].map((item) => item?.id));
    for (const id of storage.handedOut[name]) {
      // Deleted meanwhile (by someone else or deleteItem) is not the app's to delete again.
      if (kept.has(id) || storage.replica.cachedVersion(name, id) == null) continue;
      stored = (await storage.deleteItem(name, id)) && stored;
      storage.handedOut[name].delete(id);
    }
  }
  return stored;
}

// Saving an item, and what happens when someone else saved it first. A save is one create or
// update request carrying the version the edit started from, so a save based on a stale copy
// fails instead of overwriting; offline (or behind earlier queued saves) it waits in the outbox.
// On ConflictError the changes are merged three ways (collab/merge.js): different fields are
// saved at once, the same field goes to the user (a SaveConflict and the `conflict` event, or,
// when nobody listens, as in the station's app, the storage's own dialog). Nothing is written
// until the user decides. docs/contracts.md, "The station's app: storage surface and session".
//
// The functions work on the StorageDynamoDB passed in: its replica (cached and server copies),
// outbox, request, emit, conflict listeners and askConflict/document; a decision that writes
// again goes through its public saveItem or restoreItem, like any other save.
import { applyResolution, threeWayMerge } from '../collab/merge.js';
import { appFields, newId, requireEntity } from '../entities.js';
import * as ops from '../operations.js';
import { itemOf, parseJson } from '../replica.js';

/** Raised by a save that met someone else's changes on the same fields; the `conflict` event
 * carries the same object. Nothing was written: `resolve(...)` writes the user's decision. */
export class SaveConflict extends Error {
  constructor(detail) {
    super(`"${detail.theirs?.title ?? detail.id}" was changed meanwhile by someone else`);
    this.name = 'SaveConflict';
    this.detail = detail;
  }
}

/** Create or update one item; see StorageDynamoDB.saveItem. An item whose id is new is
 * created, even when it carries a version (the app's "Dupliquer" copies a loaded item, version
 * included, under a new id); if the id exists already, that is a conflict too. */
export async function saveItem(storage, type, item) {
  const entity = requireEntity(type);
  const id = item.id ?? newId(entity);
  const mine = { ...appFields(item), id };
  // The version this edit started from: the one the item carries (the app edits cached
  // items, which hold their version), else the cached one; none for an id never seen.
  const known = storage.replica.knownVersion(entity.name, id);
  const startedFrom = known == null ? undefined : item.version ?? known;
  const base = startedFrom == null ? undefined : storage.replica.serverCopy(entity.name, id, startedFrom);
  const queued = { type: entity.name, id, item: mine, baseVersion: startedFrom ?? null, base: base ?? null };
  // Offline, or earlier saves still waiting: queue behind them so the order is kept.
  if (isOffline() || storage.outbox.pending.length) return queue(storage, entity, queued);
  try {
    return await send(storage, entity, mine, startedFrom, base);
  } catch (error) {
    if (error.offline) return queue(storage, entity, queued);
    throw error;
  }
}

/** One save sent now, live or replayed from the outbox: an update of what the server never
 * had (or purged) becomes a create; someone else's change is merged, or settled by the
 * user: through the `conflict` event, or, when nobody listens (the station's app), through
 * the storage's own dialog. */
export async function send(storage, entity, mine, startedFrom, base) {
  try {
    try {
      return await write(storage, entity, mine, startedFrom);
    } catch (error) {
      if (error.errorType === 'NotFoundError' && startedFrom != null) return await write(storage, entity, mine, undefined);
      if (error.errorType !== 'ConflictError') throw error;
      return await settleConflict(storage, entity, base ?? null, mine, parseJson(error.errorInfo?.current));
    }
  } catch (error) {
    if (!(error instanceof SaveConflict) || storage.conflictListeners.size || !storage.document) throw error;
    return error.detail.resolve(await storage.askConflict(error.detail, { document: storage.document }));
  }
}

/** One create (no version known) or update request; the answer becomes the cached copy. */
async function write(storage, entity, fields, expectedVersion) {
  const data = JSON.stringify(appFields(fields));
  const { query, input } =
    expectedVersion == null
      ? { query: ops.createMutation(entity), input: { id: fields.id, data } }
      : { query: ops.updateMutation(entity), input: { id: fields.id, expectedVersion, data } };
  const result = await storage.request(query, { input });
  const stored = itemOf(result.result);
  storage.replica.accept(entity.name, stored);
  settled(storage.outbox, entity.name, stored.id);
  return stored;
}

/** The item is settled on the server: a replayed save of it that waited for the user's
 * decision is no longer pending. */
function settled(outbox, entityName, id) {
  for (const decision of outbox.decisions) {
    if (decision.type === entityName && decision.id === id) outbox.dismiss(decision.seq);
  }
}

/** Someone saved the item since this editor read it. Changes on different fields are
 * merged and saved at once; changes on the same field go to the user (`conflict` event and
 * a rejected SaveConflict), and nothing is written until they decide. */
async function settleConflict(storage, entity, base, mine, theirs) {
  if (theirs?.deletedAt) storage.replica.remove(entity.name, mine.id, theirs.version);
  else if (theirs) storage.replica.accept(entity.name, theirs);
  // What the `conflict` event and the SaveConflict carry, whatever the case.
  const conflict = (detail) => {
    const full = { type: entity.name, id: mine.id, mine, theirs, base, ...detail };
    storage.emit('conflict', full);
    return new SaveConflict(full);
  };
  if (!theirs || theirs.deletedAt) {
    throw conflict({
      conflicts: [],
      // Deleted meanwhile: 'mine' brings the item back with my version, 'theirs' accepts
      // the deletion (resolves null).
      resolve: async (decision) => {
        settled(storage.outbox, entity.name, mine.id);
        if (decision !== 'mine') return null;
        if (!theirs) return write(storage, entity, mine, undefined);
        try {
          const restored = await storage.restoreItem(entity.name, mine.id);
          return await write(storage, entity, mine, restored.version);
        } catch (error) {
          if (error.errorType !== 'Unauthorized') throw error;
          // Only admins take items out of the trash: anyone else's version comes back as a
          // new item (the deleted one stays in the trash).
          return write(storage, entity, { ...mine, id: newId(entity) }, undefined);
        }
      },
    });
  }
  const result = threeWayMerge(base, mine, theirs);
  if (result.conflicts.length === 0) return write(storage, entity, result.merged, theirs.version);
  throw conflict({
    merged: result.merged,
    conflicts: result.conflicts,
    // 'mine' or 'theirs' for every conflicting field, {path: 'mine'|'theirs'} field by field,
    // or a whole item the user composed. Saving goes through saveItem again, so a third
    // editor's change in the meantime is caught like any other.
    resolve: (decision) => {
      if (decision === 'theirs') {
        settled(storage.outbox, entity.name, mine.id);
        return Promise.resolve(storage.replica.serverCopy(entity.name, mine.id));
      }
      const choices =
        typeof decision === 'string'
          ? Object.fromEntries(result.conflicts.map((c) => [c.path, decision]))
          : decision;
      const resolved =
        decision?.id === mine.id ? { ...decision, version: theirs.version } : applyResolution(result, choices);
      return storage.saveItem(entity.name, resolved);
    },
  });
}

/** Keep a save for the reconnection; the user sees their edit meanwhile. */
function queue(storage, entity, entry) {
  storage.outbox.enqueue(entry);
  const shown = { ...entry.item, version: entry.baseVersion ?? undefined, pending: true };
  storage.replica.showLocal(entity.name, shown);
  storage.emit('queued', entry);
  return shown;
}

function isOffline() {
  return globalThis.navigator?.onLine === false;
}

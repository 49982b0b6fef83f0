// The browser's replica of the newsroom: what the app reads (`cache`, the items as it edits
// them) and, beside it, the server's copy of each item (`base`): the version an edit starts
// from, sent as expectedVersion and used as the common ancestor of a three-way merge. The app
// mutates cached items in place before calling saveItem, so the server copy is kept apart.
import { ENTITIES } from './entities.js';

/** AWSJSON fields arrive as JSON text; errorInfo and tests may hand objects directly. */
export function parseJson(value) {
  return typeof value === 'string' ? JSON.parse(value) : value ?? null;
}

/** The item (`data`) of a GraphQL item or a Change, with the server's version on it. */
export function itemOf(record) {
  const item = parseJson(record.data ?? record.item);
  if (item && record.version != null && item.version == null) item.version = record.version;
  return item;
}

const clone = (item) => structuredClone(item);
// An item not yet stored has no server createdAt: it is the newest.
const createdAtOf = (item) => (typeof item.createdAt === 'number' ? item.createdAt : Infinity);
// Server copies kept per item: an editor opened a few versions ago still finds the version it
// started from, the common ancestor of its three-way merge.
const VERSIONS_KEPT = 8;

export class Replica {
  constructor() {
    this.cache = Object.fromEntries(ENTITIES.map((e) => [e.name, []]));
    this.base = Object.fromEntries(ENTITIES.map((e) => [e.name, new Map()]));
    // Earlier server copies of each item, oldest first (see VERSIONS_KEPT).
    this.history = Object.fromEntries(ENTITIES.map((e) => [e.name, new Map()]));
    // Versions of items deleted while we watched: a late, older change must not bring them back.
    this.tombstones = Object.fromEntries(ENTITIES.map((e) => [e.name, new Map()]));
    // Newest server timestamp seen: where a catch-up after a disconnection starts from.
    this.lastSeen = 0;
  }

  /** Replace an entity's whole content (load), newest creation first. The list stays the
 * same array: the app keeps the arrays load() handed out. */
  reset(entityName, items) {
    const list = this.cache[entityName];
    const base = this.base[entityName];
    list.length = 0;
    base.clear();
    this.history[entityName].clear();
    for (const item of items) {
      this.keep(entityName, item);
      list.push(clone(item));
      this.seen(item.updatedAt);
    }
    list.sort((a, b) => createdAtOf(b) - createdAtOf(a));
  }

  /** The server's copy of an item: at `version` when that one is still kept, else the newest. */
  serverCopy(entityName, id, version) {
    const kept = this.history[entityName].get(id) ?? [];
    const item = kept.find((copy) => copy.version === version) ?? this.base[entityName].get(id);
    return item ? clone(item) : undefined;
  }

  keep(entityName, item) {
    const copy = clone(item);
    this.base[entityName].set(item.id, copy);
    const kept = (this.history[entityName].get(item.id) ?? []).filter((old) => old.version !== item.version);
    kept.push(copy);
    this.history[entityName].set(item.id, kept.slice(-VERSIONS_KEPT));
  }

  cachedVersion(entityName, id) {
    return this.base[entityName].get(id)?.version;
  }

  /** The newest version known of an item, deleted or not. */
  knownVersion(entityName, id) {
    return this.cachedVersion(entityName, id) ?? this.tombstones[entityName].get(id);
  }

  /** Take the server's state of an item (a save's response, a remote change). The cached
   * object is replaced where it stands (the app keeps its list order), new items go first. */
  accept(entityName, item) {
    this.tombstones[entityName].delete(item.id);
    this.keep(entityName, item);
    this.showLocal(entityName, item);
    this.seen(item.updatedAt);
  }

  /** Show an edit not yet stored (queued offline): the cache changes, the server copy does not.
   * A new item takes its place by creation time (newest first), as the app lists them. */
  showLocal(entityName, item) {
    const list = this.cache[entityName];
    const index = list.findIndex((cached) => cached.id === item.id);
    if (index >= 0) {
      list[index] = clone(item);
      return;
    }
    const after = list.findIndex((cached) => createdAtOf(cached) <= createdAtOf(item));
    list.splice(after < 0 ? list.length : after, 0, clone(item));
  }

  remove(entityName, id, version) {
    const known = this.knownVersion(entityName, id);
    this.tombstones[entityName].set(id, Math.max(version ?? 0, known ?? 0));
    this.base[entityName].delete(id);
    this.history[entityName].delete(id);
    const list = this.cache[entityName];
    const index = list.findIndex((cached) => cached.id === id);
    if (index >= 0) list.splice(index, 1);
  }

  seen(timestamp) {
    if (typeof timestamp === 'number' && timestamp > this.lastSeen) this.lastSeen = timestamp;
  }

  /** Apply a change pushed by the server (or found by a catch-up). Returns what happened:
   * 'applied', 'stale' (our copy is as new or newer: an echo of our own save, a replay), or
   * 'refetch' (the change was too large to carry its item: read it with getT). A change
   * without a version comes from a write made outside the API: it cannot be ordered, so it
   * is taken. */
  apply(change) {
    const entityName = change.entity;
    this.seen(change.changedAt);
    const known = this.knownVersion(entityName, change.id);
    const newer = change.version == null || known == null || change.version > known;
    const present = this.base[entityName].has(change.id);
    if (change.op === 'PURGE') {
      if (!present) return 'stale';
      this.remove(entityName, change.id, change.version);
      return 'applied';
    }
    if (!newer) return 'stale';
    const item = itemOf(change);
    if (change.op === 'DELETE' || item?.deletedAt) {
      // A tombstone of an item the replica never had changes nothing the user sees.
      this.remove(entityName, change.id, change.version);
      return present ? 'applied' : 'stale';
    }
    if (!item) return 'refetch';
    this.accept(entityName, item);
    return 'applied';
  }
}

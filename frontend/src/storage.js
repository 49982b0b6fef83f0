// StorageDynamoDB: the storage surface the newsroom app calls (shared DOMAIN.md, "How the app
// calls storage"), served by the platform's GraphQL API instead of direct DynamoDB and S3
// access from the browser. One save is one request; remote changes arrive by subscription and
// are applied only when newer than the cached copy; a conflicting save is merged or handed to
// the user, never written over someone else's work.
import { Amplify } from 'aws-amplify';
import { CONNECTION_STATE_CHANGE, ConnectionState, generateClient } from 'aws-amplify/api';
import { fetchAuthSession, getCurrentUser, signIn, signOut } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';

import { askConflict } from './collab/conflict-dialog.js';
import { applyResolution, threeWayMerge } from './collab/merge.js';
import { Outbox } from './collab/outbox.js';
import { EditPresence } from './collab/presence.js';
import { amplifyConfig, loadConfig } from './config.js';
import { APP_ENTITIES, ENTITIES, appFields, newId, requireEntity } from './entities.js';
import { audioBytes, audioKey, keyFromUrl, mediaUrl, objectUrl, sendS3, signedS3Request } from './media.js';
import * as ops from './operations.js';
import { Replica, itemOf, parseJson } from './replica.js';
import { AppSession, mediaCredentialsProvider } from './session.js';

// A catch-up starts a little before the newest change seen: clocks of the writers differ and
// an item's updatedAt is set before its write lands in the index.
const CATCH_UP_MARGIN_MS = 5000;
const SETTINGS_KEY = 'saint-esprit:settings';
// The app's "delete forever" (save(data) without an item) covers these lists only.
const TRASHED_BY_SAVE = ['news', 'animations'];

/** An error the API returned (ValidationError, ConflictError, NotFoundError, Unauthorized...). */
export class StorageError extends Error {
  constructor({ errorType, message, errorInfo, originalError }) {
    super(message || errorType || 'storage request failed');
    this.name = errorType || 'StorageError';
    this.errorType = errorType;
    this.errorInfo = errorInfo ?? null;
    // The request never reached the API (no network): the save waits in the outbox.
    this.offline = originalError?.name === 'NetworkError';
  }
}

/** Raised by a save that met someone else's changes on the same fields; the `conflict` event
 * carries the same object. Nothing was written: `resolve(...)` writes the user's decision. */
export class SaveConflict extends Error {
  constructor(detail) {
    super(`"${detail.theirs?.title ?? detail.id}" was changed meanwhile by someone else`);
    this.name = 'SaveConflict';
    this.detail = detail;
  }
}

export class StorageDynamoDB extends EventTarget {
  /** `askConflict` and `document`: the dialog that settles a same-field conflict when nobody
   * listens to `conflict` (the station's app does not), and the page it is shown in. */
  constructor({ configUrl = '/config.json', askConflict: ask = askConflict, document = globalThis.document } = {}) {
    super();
    this.configUrl = configUrl;
    this.config = null;
    this.client = null;
    this.replica = new Replica();
    this.cache = this.replica.cache;
    // Entities paged in once; after that the replica is live and load() sends nothing.
    this.loaded = new Set();
    // Ids of the news and animations the last load() handed out: what save(data) compares to.
    this.handedOut = null;
    this.conflictListeners = new Set();
    this.askConflict = ask;
    this.document = document;
    // The station app's hosted-UI session, when the storage adopted it (see init).
    this.appSession = null;
    // The old script's handles the multitrack editor uses: `db.getAll(type)` and
    // `s3.upload(params).promise()`.
    this.db = { getAll: (type) => this.getAll(type) };
    this.s3 = { upload: (params) => ({ promise: () => this.uploadMedia(params) }) };
    this.userId = null;
    this.user = null;
    this.connectionState = 'Disconnected';
    this.subscriptions = [];
    this.settings = readSettings();
    // Saves made while offline, replayed in order on reconnect (kept in localStorage).
    this.outbox = new Outbox({ send: (entry) => this.sendQueued(entry) });
    this.resyncing = null;
    // Who is editing what (a soft lock that warns, never blocks), once signed in.
    this.presence = null;
  }

  // ---- session -------------------------------------------------------------------------

  /** Configure Amplify from config.json; when someone is signed in (the station app's
   * hosted-UI tokens, or this module's own session), start the live feed. Resolves whether
   * someone is signed in and never throws: the app treats a throwing init as fatal, and
   * with no session its own sign-in redirect takes over. */
  async init() {
    try {
      if (!this.config) this.configure(await loadConfig(this.configUrl));
      try {
        await getCurrentUser();
      } catch {
        return false; // nobody signed in
      }
      await this.startSession();
      return true;
    } catch (error) {
      console.error('StorageDynamoDB.init failed', error);
      this.emit('error', { error });
      return false;
    }
  }

  configure(config) {
    this.appSession = AppSession.adopt(config);
    if (this.appSession) {
      Amplify.configure(amplifyConfig(config), {
        Auth: { tokenProvider: this.appSession.tokenProvider, credentialsProvider: mediaCredentialsProvider },
      });
    } else {
      Amplify.configure(amplifyConfig(config));
    }
    this.client = generateClient();
    Hub.listen('api', ({ payload }) => {
      if (payload.event === CONNECTION_STATE_CHANGE) this.onConnectionState(payload.data.connectionState);
    });
    globalThis.addEventListener?.('online', () => this.resync());
    this.config = config;
  }

  async signIn(username, password) {
    const { isSignedIn, nextStep } = await signIn({
      username,
      password,
      options: { authFlowType: this.config.authFlow || 'USER_SRP_AUTH' },
    });
    if (!isSignedIn) throw new Error(`sign-in needs another step: ${nextStep?.signInStep}`);
    await this.startSession();
    return this.user;
  }

  /** Sign out of this module's own session. An adopted session is the app's to end
   * (cognitoLogout): the storage only stops refreshing it. */
  async signOut() {
    this.stopLive();
    await this.presence?.close();
    this.presence = null;
    if (this.appSession) this.appSession.stop();
    else await signOut();
    this.user = null;
    this.userId = null;
    for (const entity of ENTITIES) this.replica.reset(entity.name, []);
    this.loaded.clear();
    this.handedOut = null;
  }

  async startSession() {
    // The adopted session's tokens are at hand without asking the identity pool.
    const tokens = this.appSession ? await this.appSession.getTokens() : (await fetchAuthSession()).tokens;
    const claims = tokens.idToken.payload;
    this.userId = claims.sub;
    this.user = {
      userId: claims.sub,
      username: claims['cognito:username'] ?? claims.username,
      email: claims.email,
      groups: claims['cognito:groups'] ?? [],
    };
    this.presence = new EditPresence({
      request: (query, variables) => this.request(query, variables),
      subscribe: (query) => this.client.graphql({ query }),
      selfId: this.userId,
    });
    this.presence.addEventListener('presence', (event) => this.emit('presence', event.detail));
    this.appSession?.schedule();
    this.startLive();
  }

  /** Who is signed in: {userId, username, email, groups}. */
  async getCurrentUser() {
    return this.user;
  }

  // ---- reading -------------------------------------------------------------------------

  /** The app's lists: {news, animations, blocks, conductors, journals}, newest creation
   * first. The first call reads every page; later calls send nothing and return the same
   * arrays, kept live (own saves, remote changes) in place. */
  async load() {
    await this.ensureLoaded(APP_ENTITIES.map((e) => e.name));
    const lists = Object.fromEntries(APP_ENTITIES.map((e) => [e.name, this.cache[e.name]]));
    this.handedOut = Object.fromEntries(TRASHED_BY_SAVE.map((name) => [name, new Set(lists[name].map((item) => item.id))]));
    return { ...lists, settings: this.settings };
  }

  /** Page in the entities not read yet (all in the same requests). */
  async ensureLoaded(names) {
    const missing = names.filter((name) => !this.loaded.has(name));
    if (missing.length) await this.reload(missing);
  }

  /** Read the entities again from the server, every page (one request per page, the
   * entities side by side in it); the cached arrays are refilled in place. */
  async reload(names = APP_ENTITIES.map((e) => e.name)) {
    const pages = await this.allPages(ops.loadQuery, names);
    for (const name of names) {
      this.replica.reset(name, pages[name].map(itemOf));
      this.loaded.add(name);
    }
  }

  /** The live list of one entity, read once (the multitrack editor's `db.getAll`). */
  async getAll(type) {
    const entity = requireEntity(type);
    await this.ensureLoaded([entity.name]);
    return this.cache[entity.name];
  }

  /** Every page of a paged query for the entities `names` (`pagesQuery(tokens)` builds one
   * request from {entity name: nextToken}): {entity name: [records as the API sent them]}. */
  async allPages(pagesQuery, names) {
    const items = Object.fromEntries(names.map((name) => [name, []]));
    let tokens = Object.fromEntries(names.map((name) => [name, null]));
    while (Object.keys(tokens).length) {
      const { query, variables } = pagesQuery(tokens);
      const data = await this.request(query, variables);
      const next = {};
      for (const name of Object.keys(tokens)) {
        items[name].push(...data[name].items);
        if (data[name].nextToken) next[name] = data[name].nextToken;
      }
      tokens = next;
    }
    return items;
  }

  /** One item as stored now (tombstones included), or null. */
  async getItem(type, id) {
    const entity = requireEntity(type);
    const data = await this.request(ops.getQuery(entity), { id });
    return data.result ? itemOf(data.result) : null;
  }

  /** Deleted items still restorable (until the stack's retention purges them), newest
   * deletion first: {entity name: [items]}. */
  async getTrash() {
    const pages = await this.allPages(ops.trashQuery, ENTITIES.map((e) => e.name));
    return Object.fromEntries(Object.entries(pages).map(([name, records]) => [name, records.map(itemOf)]));
  }

  /** Every change of every entity since `since` (epoch ms), oldest first per entity. */
  async changesSince(since) {
    const cursors = (tokens) => Object.fromEntries(
      Object.entries(tokens).map(([name, nextToken]) => [name, { since, nextToken }]));
    const pages = await this.allPages((tokens) => ops.changesQuery(cursors(tokens)), ENTITIES.map((e) => e.name));
    return Object.values(pages).flat();
  }

  /** A fresh array: the app sorts it in place. */
  getAllJournals() {
    return [...this.cache.journals];
  }

  getAllConductors() {
    return this.cache.conductors;
  }

  getStats() {
    const stats = { userId: this.userId, connection: this.connectionState, lastChangeAt: this.replica.lastSeen };
    for (const entity of ENTITIES) stats[entity.name] = this.cache[entity.name].length;
    stats.total = ENTITIES.reduce((sum, e) => sum + stats[e.name], 0);
    return stats;
  }

  /** A self-contained copy of everything loaded, for the user to keep. */
  createBackup() {
    return {
      createdAt: Date.now(),
      createdBy: this.user?.username ?? null,
      data: structuredClone({ ...this.cache, settings: this.settings }),
    };
  }

  // ---- writing -------------------------------------------------------------------------

  /** Create or update one item (type: news, animations, animation, conductors, multitracks
   * ...). An item already known is updated with the version it was read at, so a save based
   * on a stale copy fails instead of overwriting; see `conflict`. Resolves to the stored item,
   * throws on failure. An item whose id is new is created, even when it carries a version (the
   * app's "Dupliquer" copies a loaded item, version included, under a new id); if the id
   * exists already, that is a conflict too. */
  async saveItem(type, item) {
    const entity = requireEntity(type);
    const id = item.id ?? newId(entity);
    const mine = { ...appFields(item), id };
    // The version this edit started from: the one the item carries (the app edits cached
    // items, which hold their version), else the cached one; none for an id never seen.
    const known = this.replica.knownVersion(entity.name, id);
    const startedFrom = known == null ? undefined : item.version ?? known;
    const base = startedFrom == null ? undefined : this.replica.serverCopy(entity.name, id, startedFrom);
    const queued = { type: entity.name, id, item: mine, baseVersion: startedFrom ?? null, base: base ?? null };
    // Offline, or earlier saves still waiting: queue behind them so the order is kept.
    if (isOffline() || this.outbox.pending.length) return this.queue(entity, queued);
    try {
      return await this.send(entity, mine, startedFrom, base);
    } catch (error) {
      if (error.offline) return this.queue(entity, queued);
      throw error;
    }
  }

  /** One save sent now, live or replayed from the outbox: an update of what the server never
   * had (or purged) becomes a create; someone else's change is merged, or settled by the
   * user: through the `conflict` event, or, when nobody listens (the station's app), through
   * the storage's own dialog. */
  async send(entity, mine, startedFrom, base) {
    try {
      try {
        return await this.write(entity, mine, startedFrom);
      } catch (error) {
        if (error.errorType === 'NotFoundError' && startedFrom != null) return await this.write(entity, mine, undefined);
        if (error.errorType !== 'ConflictError') throw error;
        return await this.settleConflict(entity, base ?? null, mine, parseJson(error.errorInfo?.current));
      }
    } catch (error) {
      if (!(error instanceof SaveConflict) || this.conflictListeners.size || !this.document) throw error;
      return error.detail.resolve(await this.askConflict(error.detail, { document: this.document }));
    }
  }

  // The `conflict` listeners are counted: without one, the storage shows its own dialog.
  addEventListener(type, listener, options) {
    if (type === 'conflict' && listener) this.conflictListeners.add(listener);
    super.addEventListener(type, listener, options);
  }

  removeEventListener(type, listener, options) {
    if (type === 'conflict') this.conflictListeners.delete(listener);
    super.removeEventListener(type, listener, options);
  }

  /** Keep a save for the reconnection; the user sees their edit meanwhile. */
  queue(entity, entry) {
    this.outbox.enqueue(entry);
    const shown = { ...entry.item, version: entry.baseVersion ?? undefined, pending: true };
    this.replica.showLocal(entity.name, shown);
    this.emit('queued', entry);
    return shown;
  }

  /** The outbox's replay of one queued save: same rules as a live save (merge on conflict,
   * the user decides on the same field), and a throw while the network is still down. */
  async sendQueued({ type, item, baseVersion, base }) {
    const entity = requireEntity(type);
    try {
      return { status: 'saved', item: await this.send(entity, item, baseVersion ?? undefined, base) };
    } catch (error) {
      if (error instanceof SaveConflict) return { status: 'conflict', ...error.detail };
      if (error.errorType) return { status: 'rejected', error: { errorType: error.errorType, message: error.message } };
      throw error; // no answer (network still down): the save stays first in line
    }
  }

  /** One create (no version known) or update request; the answer becomes the cached copy. */
  async write(entity, fields, expectedVersion) {
    const data = JSON.stringify(appFields(fields));
    const { query, input } =
      expectedVersion == null
        ? { query: ops.createMutation(entity), input: { id: fields.id, data } }
        : { query: ops.updateMutation(entity), input: { id: fields.id, expectedVersion, data } };
    const result = await this.request(query, { input });
    const stored = itemOf(result.result);
    this.replica.accept(entity.name, stored);
    this.settled(entity.name, stored.id);
    return stored;
  }

  /** The item is settled on the server: a replayed save of it that waited for the user's
   * decision is no longer pending. */
  settled(entityName, id) {
    for (const decision of this.outbox.decisions) {
      if (decision.type === entityName && decision.id === id) this.outbox.dismiss(decision.seq);
    }
  }

  /** Someone saved the item since this editor read it. Changes on different fields are
   * merged and saved at once; changes on the same field go to the user (`conflict` event and
   * a rejected SaveConflict), and nothing is written until they decide. */
  async settleConflict(entity, base, mine, theirs) {
    if (theirs?.deletedAt) this.replica.remove(entity.name, mine.id, theirs.version);
    else if (theirs) this.replica.accept(entity.name, theirs);
    // What the `conflict` event and the SaveConflict carry, whatever the case.
    const conflict = (detail) => {
      const full = { type: entity.name, id: mine.id, mine, theirs, base, ...detail };
      this.emit('conflict', full);
      return new SaveConflict(full);
    };
    if (!theirs || theirs.deletedAt) {
      throw conflict({
        conflicts: [],
        // Deleted meanwhile: 'mine' brings the item back with my version, 'theirs' accepts
        // the deletion (resolves null).
        resolve: async (decision) => {
          this.settled(entity.name, mine.id);
          if (decision !== 'mine') return null;
          if (!theirs) return this.write(entity, mine, undefined);
          try {
            const restored = await this.restoreItem(entity.name, mine.id);
            return await this.write(entity, mine, restored.version);
          } catch (error) {
            if (error.errorType !== 'Unauthorized') throw error;
            // Only admins take items out of the trash: anyone else's version comes back as a
            // new item (the deleted one stays in the trash).
            return this.write(entity, { ...mine, id: newId(entity) }, undefined);
          }
        },
      });
    }
    const result = threeWayMerge(base, mine, theirs);
    if (result.conflicts.length === 0) return this.write(entity, result.merged, theirs.version);
    throw conflict({
      merged: result.merged,
      conflicts: result.conflicts,
      // 'mine' or 'theirs' for every conflicting field, {path: 'mine'|'theirs'} field by field,
      // or a whole item the user composed. Saving goes through saveItem again, so a third
      // editor's change in the meantime is caught like any other.
      resolve: (decision) => {
        if (decision === 'theirs') {
          this.settled(entity.name, mine.id);
          return Promise.resolve(this.replica.serverCopy(entity.name, mine.id));
        }
        const choices =
          typeof decision === 'string'
            ? Object.fromEntries(result.conflicts.map((c) => [c.path, decision]))
            : decision;
        const resolved =
          decision?.id === mine.id ? { ...decision, version: theirs.version } : applyResolution(result, choices);
        return this.saveItem(entity.name, resolved);
      },
    });
  }

  /** Soft delete: a tombstone others see disappear, restorable from the trash. Resolves
   * whether it was deleted and never throws (the app tests the result); the app's third
   * argument, createdAt, is not needed. */
  async deleteItem(type, id) {
    try {
      const entity = requireEntity(type);
      let expectedVersion = this.replica.cachedVersion(entity.name, id);
      if (expectedVersion == null) expectedVersion = (await this.getItem(entity.name, id))?.version;
      if (expectedVersion == null) return false;
      const data = await this.request(ops.deleteMutation(entity), { id, expectedVersion });
      this.replica.remove(entity.name, id, itemOf(data.result)?.version);
      return true;
    } catch (error) {
      this.emit('error', { error });
      return false;
    }
  }

  async restoreItem(type, id) {
    const entity = requireEntity(type);
    const data = await this.request(ops.restoreMutation(entity), { id });
    const item = itemOf(data.result);
    this.replica.accept(entity.name, item);
    return item;
  }

  /** The app's `save(data)`: its "delete forever" hands back what load() gave minus the
   * news or animations it removed. Those go to the trash (restorable); nothing else is
   * written (each edit was saved by saveItem already). Settings stay in this browser.
   * Resolves whether every removal was stored. */
  async save(data) {
    if (data.settings) {
      this.settings = data.settings;
      writeSettings(this.settings);
    }
    let stored = true;
    for (const name of TRASHED_BY_SAVE) {
      if (!this.handedOut || !Array.isArray(data[name])) continue;
      const kept = new Set(data[name].map((item) => item?.id));
      for (const id of this.handedOut[name]) {
        // Deleted meanwhile (by someone else or deleteItem) is not the app's to delete again.
        if (kept.has(id) || this.replica.cachedVersion(name, id) == null) continue;
        stored = (await this.deleteItem(name, id)) && stored;
        this.handedOut[name].delete(id);
      }
    }
    return stored;
  }

  saveJournal(journal) {
    return this.saveItem('journals', journal);
  }

  deleteJournal(id) {
    return this.deleteItem('journals', id);
  }

  saveConductor(conductor) {
    return this.saveItem('conductors', conductor);
  }

  deleteConductor(id) {
    return this.deleteItem('conductors', id);
  }

  // ---- audio ---------------------------------------------------------------------------

  /** Upload a clip to the media bucket with the identity pool's credentials; returns
   * {url, key, bucket} where url is public (CloudFront, CORS-enabled). */
  async saveAudioFile(id, { data, blob, type = 'audio/mpeg' }) {
    return this.putMedia(id, data ?? blob, type);
  }

  /** The multitrack editor's `s3.upload(params)`: the clip goes to the media bucket under
   * the user's own prefix whatever Bucket and Key it names (its bucket is the old stack's). */
  async uploadMedia({ Key, Body, ContentType = 'audio/mpeg' }) {
    const name = String(Key ?? 'clip').split('/').pop().replace(/\.[^.]*$/, '');
    const { url, key, bucket } = await this.putMedia(name, Body, ContentType);
    return { Location: url, Key: key, Bucket: bucket };
  }

  async putMedia(name, data, type) {
    const { credentials, identityId } = await fetchAuthSession();
    if (!credentials || !identityId) throw new Error('no media credentials: is the identity pool configured?');
    const key = audioKey(identityId, name, type);
    const request = signedS3Request({
      method: 'PUT',
      url: objectUrl(this.config, key),
      body: await audioBytes(data),
      contentType: type,
      credentials,
      region: this.config.region,
    });
    await sendS3(request);
    return { url: mediaUrl(this.config.mediaBaseUrl, key), key, bucket: this.config.mediaBucket };
  }

  /** The clip behind a media URL or key, as a Blob (served by CloudFront). */
  async getAudioFile(urlOrKey) {
    const key = keyFromUrl(this.config.mediaBaseUrl, urlOrKey);
    const response = await fetch(mediaUrl(this.config.mediaBaseUrl, key));
    if (!response.ok) return null;
    return response.blob();
  }

  async deleteAudioFile(urlOrKey) {
    const { credentials } = await fetchAuthSession();
    const key = keyFromUrl(this.config.mediaBaseUrl, urlOrKey);
    await sendS3(
      signedS3Request({ method: 'DELETE', url: objectUrl(this.config, key), credentials, region: this.config.region }),
    );
    return true;
  }

  // ---- live ----------------------------------------------------------------------------

  startLive() {
    this.stopLive();
    for (const entity of ENTITIES) {
      const field = ops.subscriptionField(entity);
      const subscription = this.client.graphql({ query: ops.changedSubscription(entity) }).subscribe({
        next: ({ data }) => this.receive(data[field]).catch((error) => this.emit('error', { error })),
        error: (error) => this.emit('error', { error }),
      });
      this.subscriptions.push(subscription);
    }
    this.presence?.watch();
  }

  // ---- presence ------------------------------------------------------------------------

  /** Announce that this user edits an item (renewed while open); call the returned function
   * when the editor closes. Others see "en cours d'édition par …". */
  startEditing(type, id, field = null) {
    return this.presence.editing(requireEntity(type).name, id, field);
  }

  /** Who else is editing an item now: [{editorId, editorName, field, expiresAt}]. */
  editorsOf(type, id) {
    return this.presence?.editorsOf(requireEntity(type).name, id) ?? [];
  }

  /** Ask the server who is editing an item (on opening it); resolves to editorsOf. */
  loadEditors(type, id) {
    return this.presence.load(requireEntity(type).name, id);
  }

  stopLive() {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
  }

  /** A change from the server: applied if newer than the cached copy, then announced. */
  async receive(change) {
    let outcome = this.replica.apply(change);
    if (outcome === 'refetch') {
      const item = await this.getItem(change.entity, change.id);
      outcome = item ? this.replica.apply({ ...change, item, version: item.version }) : 'stale';
    }
    if (outcome !== 'applied') return;
    this.emit('change', change);
  }

  onConnectionState(state) {
    const previous = this.connectionState;
    this.connectionState = state;
    this.emit('connection', { state, previous });
    // Back from a disruption: send what was queued, then ask for what happened meanwhile.
    if (state === ConnectionState.Connected && previous !== ConnectionState.Connected && this.wasConnected) {
      this.resync();
    }
    if (state === ConnectionState.Connected) this.wasConnected = true;
  }

  /** After a disconnection: replay the outbox, then catch up (one run at a time). */
  resync() {
    if (!this.userId) return Promise.resolve();
    this.resyncing ??= (async () => {
      try {
        await this.outbox.replay();
        await this.catchUp();
      } catch (error) {
        this.emit('error', { error });
      } finally {
        this.resyncing = null;
      }
    })();
    return this.resyncing;
  }

  /** Apply every change made since the newest one seen. */
  async catchUp() {
    const since = Math.max(0, this.replica.lastSeen - CATCH_UP_MARGIN_MS);
    const changes = await this.changesSince(since);
    for (const change of changes) await this.receive(change);
    this.emit('caughtup', { since, changes: changes.length });
  }

  // ---- plumbing ------------------------------------------------------------------------

  emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }

  /** One GraphQL request; API errors become StorageError with the server's type and info. */
  async request(query, variables) {
    try {
      const response = await this.client.graphql({ query, variables });
      return response.data;
    } catch (error) {
      const first = error?.errors?.[0];
      if (first) throw new StorageError(first);
      throw error;
    }
  }
}

function isOffline() {
  return globalThis.navigator?.onLine === false;
}

function readSettings() {
  try {
    return JSON.parse(globalThis.localStorage?.getItem(SETTINGS_KEY) ?? '{}');
  } catch {
    return {};
  }
}

function writeSettings(settings) {
  globalThis.localStorage?.setItem(SETTINGS_KEY, JSON.stringify(settings));
}


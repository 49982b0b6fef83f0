// StorageDynamoDB: the storage surface the newsroom app calls (docs/contracts.md, "The
// station's app: storage surface and session"), served by the platform's GraphQL API instead
// of direct DynamoDB and S3 access from the browser. One save is one request; remote changes
// arrive by subscription and are applied only when newer than the cached copy; a conflicting
// save is merged or handed to the user, never written over someone else's work.
//
// This file is the one public class: its state and the methods the app calls. The work is in
// storage/, one module per seam, each a set of plain functions given the storage (or only what
// they need):
//   storage/request.js  the GraphQL request and its typed errors (StorageError)
//   storage/sign-in.js  Amplify's configuration, the adopted or own session, the signed-in user
//   storage/reads.js    lists read page by page, one item, the changes since a time
//   storage/writes.js   saves: version check, outbox when offline, merge or SaveConflict
//   storage/trash.js    soft delete, restore, the trash, the app's "delete forever" save(data)
//   storage/replay.js   back from a disruption: the outbox replayed, then catch-up
//   storage/live.js     subscriptions, remote changes applied, the connection's state
//   storage/audio.js    clips in the media bucket
//   storage/settings.js the app's settings, kept in this browser
// Presence ("who is editing what") is collab/presence.js, which the storage opens on sign-in.
import { generateClient } from 'aws-amplify/api';
import { getCurrentUser } from 'aws-amplify/auth';

import { askConflict } from './collab/conflict-dialog.js';
import { Outbox } from './collab/outbox.js';
import { EditPresence } from './collab/presence.js';
import { loadConfig } from './config.js';
import { APP_ENTITIES, ENTITIES, requireEntity } from './entities.js';
import { Replica } from './replica.js';
import { deleteMedia, fetchMedia, putMedia, uploadMedia } from './storage/audio.js';
import { followConnection, receive, startLive, stopLive } from './storage/live.js';
import { readChanges, readItem, readLists } from './storage/reads.js';
import { resync, sendQueued } from './storage/replay.js';
import { graphqlRequest } from './storage/request.js';
import { readSettings, writeSettings } from './storage/settings.js';
import { configureAmplify, endSession, signInWithPassword, signedInUser } from './storage/sign-in.js';
import { deleteItem, handedOutIds, readTrash, restoreItem, trashDropped } from './storage/trash.js';
import { saveItem } from './storage/writes.js';

export { StorageError } from './storage/request.js';
export { SaveConflict } from './storage/writes.js';

export class StorageDynamoDB extends EventTarget {
  // What the reading functions send their requests through (this storage's `request`).
  #request = (query, variables) => this.request(query, variables);

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
    this.s3 = { upload: (params) => ({ promise: () => uploadMedia(this.config, params) }) };
    this.userId = null;
    this.user = null;
    this.connectionState = 'Disconnected';
    // Whether the live feed was ever connected: only a reconnection resyncs.
    this.wasConnected = false;
    this.subscriptions = [];
    this.settings = readSettings();
    // Saves made while offline, replayed in order on reconnect (kept in localStorage).
    this.outbox = new Outbox({ send: (entry) => sendQueued(this, entry) });
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
    this.appSession = configureAmplify(config);
    this.client = generateClient();
    followConnection(this);
    this.config = config;
  }

  async signIn(username, password) {
    await signInWithPassword(this.config, username, password);
    await this.startSession();
    return this.user;
  }

  /** Sign out of this module's own session; an adopted one is only no longer refreshed. */
  async signOut() {
    this.stopLive();
    await this.presence?.close();
    this.presence = null;
    await endSession(this.appSession);
    this.user = null;
    this.userId = null;
    for (const entity of ENTITIES) this.replica.reset(entity.name, []);
    this.loaded.clear();
    this.handedOut = null;
  }

  /** The signed-in user's feed: who they are, presence, token refresh, live changes. */
  async startSession() {
    this.user = await signedInUser(this.appSession);
    this.userId = this.user.userId;
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
    const names = APP_ENTITIES.map((e) => e.name);
    await this.#ensureLoaded(names);
    const lists = Object.fromEntries(names.map((name) => [name, this.cache[name]]));
    this.handedOut = handedOutIds(lists);
    return { ...lists, settings: this.settings };
  }

  /** Read the entities again from the server, every page (one request per page, the
   * entities side by side in it); the cached arrays are refilled in place. */
  async reload(names = APP_ENTITIES.map((e) => e.name)) {
    const lists = await readLists(this.#request, names);
    for (const name of names) {
      this.replica.reset(name, lists[name]);
      this.loaded.add(name);
    }
  }

  /** The live list of one entity, read once (the multitrack editor's `db.getAll`). */
  async getAll(type) {
    const entity = requireEntity(type);
    await this.#ensureLoaded([entity.name]);
    return this.cache[entity.name];
  }

  /** Page in the entities not read yet (all in the same requests). */
  async #ensureLoaded(names) {
    const missing = names.filter((name) => !this.loaded.has(name));
    if (missing.length) await this.reload(missing);
  }

  /** One item as stored now (tombstones included), or null. */
  async getItem(type, id) {
    return readItem(this.#request, requireEntity(type), id);
  }

  /** Deleted items still restorable (until the stack's retention purges them), newest
   * deletion first: {entity name: [items]}. */
  async getTrash() {
    return readTrash(this.#request);
  }

  /** Every change of every entity since `since` (epoch ms), oldest first per entity. */
  async changesSince(since) {
    return readChanges(this.#request, ENTITIES.map((e) => e.name), since);
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
   * on a stale copy fails instead of overwriting; see `conflict` (storage/writes.js).
   * Resolves to the stored item, throws on failure. */
  async saveItem(type, item) {
    return saveItem(this, type, item);
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

  /** Soft delete: a tombstone others see disappear, restorable from the trash. Resolves
   * whether it was deleted and never throws (the app tests the result); the app's third
   * argument, createdAt, is not needed. */
  async deleteItem(type, id) {
    return deleteItem(this, type, id);
  }

  async restoreItem(type, id) {
    return restoreItem(this, type, id);
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
    return trashDropped(this, data);
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
    return putMedia(this.config, id, data ?? blob, type);
  }

  /** The clip behind a media URL or key, as a Blob (served by CloudFront). */
  async getAudioFile(urlOrKey) {
    return fetchMedia(this.config, urlOrKey);
  }

  async deleteAudioFile(urlOrKey) {
    return deleteMedia(this.config, urlOrKey);
  }

  // ---- live updates and presence -------------------------------------------------------

  startLive() {
    startLive(this);
  }

  stopLive() {
    stopLive(this);
  }

  /** A change from the server: applied if newer than the cached copy, then announced. */
  async receive(change) {
    return receive(this, change);
  }

  /** After a disconnection: replay the outbox, then catch up (one run at a time). */
  resync() {
    return resync(this);
  }

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

  // ---- plumbing ------------------------------------------------------------------------

  emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }

  /** One GraphQL request; API errors become StorageError with the server's type and info. */
  async request(query, variables) {
    return graphqlRequest(this.client, query, variables);
  }
}

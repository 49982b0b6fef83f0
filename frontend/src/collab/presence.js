// Edit presence in the browser: "who is editing what", live. A soft lock: it warns before an
// edit and never blocks a save (the version check decides).
//
//   const presence = new EditPresence({ request, subscribe, selfId })
//     request(query, variables) -> Promise<data>   the storage module's GraphQL request
//     subscribe(query) -> Observable of {data}      e.g. (query) => client.graphql({ query })
//     selfId                                         the signed-in user's sub (left out of editorsOf)
//   presence.watch()                    live updates through onPresenceChanged (call once signed in)
//   await presence.load(entity, id)     who is editing one item now (listEditors), e.g. on opening it
//   presence.editorsOf(entity, id)      [{editorId, editorName, field, expiresAt}] others, not expired
//   const done = presence.editing(entity, id, field?)  announce now and every minute until done()
//   presence.close()                    stop everything (sign-out)
//   events (an EventTarget): 'presence' {entity, id, editors} whenever an item's editors change,
//       including when an announcement expires (a browser that died stops renewing).

export const RENEW_EVERY_MS = 60_000;

const PRESENCE_FIELDS = 'entity id editorId editorName field expiresAt active';
// Subscribers receive only the fields the mutation selected (AppSync): select them all.
export const ANNOUNCE = `mutation AnnounceEditing($entity: Entity!, $id: ID!, $field: String) {
  announceEditing(entity: $entity, id: $id, field: $field) { ${PRESENCE_FIELDS} } }`;
export const STOP = `mutation StopEditing($entity: Entity!, $id: ID!) {
  stopEditing(entity: $entity, id: $id) { ${PRESENCE_FIELDS} } }`;
export const CLEAR = `mutation ClearEditing($entity: Entity!, $id: ID!, $editorId: ID!) {
  clearEditing(entity: $entity, id: $id, editorId: $editorId) { ${PRESENCE_FIELDS} } }`;
export const LIST = `query ListEditors($entity: Entity!, $id: ID!) {
  listEditors(entity: $entity, id: $id) { ${PRESENCE_FIELDS} } }`;
export const CHANGED = `subscription OnPresenceChanged { onPresenceChanged { ${PRESENCE_FIELDS} } }`;

export class EditPresence extends EventTarget {
  #request;
  #subscribe;
  #now;
  #renewEveryMs;
  #items = new Map(); // "<entity>#<id>" -> Map(editorId -> presence)
  #expiryTimers = new Map();
  #announcing = new Set();
  #subscription = null;

  constructor({ request, subscribe, selfId = null, now = Date.now, renewEveryMs = RENEW_EVERY_MS }) {
    super();
    this.#request = request;
    this.#subscribe = subscribe;
    this.selfId = selfId;
    this.#now = now;
    this.#renewEveryMs = renewEveryMs;
  }

  watch() {
    this.#subscription?.unsubscribe();
    this.#subscription = this.#subscribe(CHANGED).subscribe({
      next: ({ data }) => this.#receive(data.onPresenceChanged),
      error: (error) => this.dispatchEvent(new CustomEvent('error', { detail: { error } })),
    });
  }

  async load(entity, id) {
    const data = await this.#request(LIST, { entity, id });
    const editors = new Map(data.listEditors.map((p) => [p.editorId, p]));
    this.#items.set(`${entity}#${id}`, editors);
    this.#changed(entity, id);
    return this.editorsOf(entity, id);
  }

  editorsOf(entity, id) {
    const editors = this.#items.get(`${entity}#${id}`) ?? new Map();
    const now = this.#now();
    return [...editors.values()]
      .filter((p) => p.active && p.expiresAt > now && p.editorId !== this.selfId)
      .map(({ editorId, editorName, field, expiresAt }) => ({ editorId, editorName, field, expiresAt }));
  }

  /** Announce that this user edits an item, renewed every minute; call the returned function
   * when the editor closes (or the item is saved). */
  editing(entity, id, field = null) {
    const announce = () => this.#request(ANNOUNCE, { entity, id, field }).then(
      (data) => this.#receive(data.announceEditing),
      (error) => this.dispatchEvent(new CustomEvent('error', { detail: { error } })),
    );
    announce();
    const timer = setInterval(announce, this.#renewEveryMs);
    const done = async () => {
      if (!this.#announcing.delete(done)) return;
      clearInterval(timer);
      const data = await this.#request(STOP, { entity, id });
      this.#receive(data.stopEditing);
    };
    this.#announcing.add(done);
    return done;
  }

  /** Admins: remove someone's announcement (the server refuses others). */
  async clear(entity, id, editorId) {
    const data = await this.#request(CLEAR, { entity, id, editorId });
    this.#receive(data.clearEditing);
  }

  async close() {
    this.#subscription?.unsubscribe();
    this.#subscription = null;
    for (const timer of this.#expiryTimers.values()) clearTimeout(timer);
    this.#expiryTimers.clear();
    await Promise.all([...this.#announcing].map((done) => done()));
  }

  #receive(presence) {
    if (!presence) return;
    const key = `${presence.entity}#${presence.id}`;
    if (!this.#items.has(key)) this.#items.set(key, new Map());
    const editors = this.#items.get(key);
    if (presence.active) editors.set(presence.editorId, presence);
    else editors.delete(presence.editorId);
    this.#changed(presence.entity, presence.id);
  }

  // Tell the page, and again when the next announcement of this item runs out.
  #changed(entity, id) {
    const key = `${entity}#${id}`;
    clearTimeout(this.#expiryTimers.get(key));
    this.#expiryTimers.delete(key);
    const editors = this.editorsOf(entity, id);
    this.dispatchEvent(new CustomEvent('presence', { detail: { entity, id, editors } }));
    if (editors.length) {
      const next = Math.min(...editors.map((p) => p.expiresAt));
      this.#expiryTimers.set(key, setTimeout(() => this.#changed(entity, id), Math.max(0, next - this.#now()) + 1));
    }
  }
}

// The offline outbox: saves made while disconnected wait here (in localStorage, so a reload
// keeps them) and are replayed in order on reconnect, each with the version its edit started
// from, through the storage module's own save (which merges on ConflictError).
//
//   const outbox = new Outbox({ send, storage = globalThis.localStorage, key = 'saint-esprit:outbox' })
//   outbox.enqueue({ type, id, item, baseVersion, base }) -> entry
//       One pending save per item: saving the same item again replaces the queued copy but keeps
//       its base (the server copy the edit started from) and its place in the queue.
//   outbox.pending   -> entries waiting to be sent, oldest first
//   outbox.decisions -> entries whose replay needed the user: {...entry, outcome}
//   await outbox.replay() -> { saved, decisions, remaining }
//       Sends the pending entries one by one, in order; one replay runs at a time (a second
//       call while one runs returns the same promise).
//   outbox.dismiss(seq) -> drops a decision once the user settled it (e.g. after resolve())
//   events (it is an EventTarget): 'change' {pending, decisions}, 'saved' {entry, outcome},
//       'decision' {entry, outcome}
//
// `send(entry)` is provided by the storage module and resolves to the outcome:
//   {status: 'saved', item}                 written (merged or not); item = the stored copy
//   {status: 'conflict', conflicts, ...}    fields changed on both sides: the user decides
//   {status: 'rejected', error}             refused for good (ValidationError, Unauthorized...)
// and throws while still offline: the replay stops there and the entry stays first in line.
//
// Delivery is at least once: an entry sent just before a reload may be sent again; its base
// version is then stale, and the merge sees the same change on both sides, which is no conflict.

export class Outbox extends EventTarget {
  #send;
  #storage;
  #key;
  #state;
  #sending = null; // the entry being sent now
  #replaying = null;

  constructor({ send, storage = globalThis.localStorage, key = 'saint-esprit:outbox' }) {
    super();
    this.#send = send;
    this.#storage = storage;
    this.#key = key;
    this.#state = this.#load();
  }

  get pending() {
    return this.#state.pending.map((entry) => ({ ...entry }));
  }

  get decisions() {
    return this.#state.decisions.map((entry) => ({ ...entry }));
  }

  enqueue({ type, id, item, baseVersion, base }) {
    const queued = this.#state.pending.find((e) => e.type === type && e.id === id && e !== this.#sending);
    let entry;
    if (queued) {
      queued.item = item;
      queued.queuedAt = Date.now();
      entry = queued;
    } else {
      this.#state.seq += 1;
      entry = { seq: this.#state.seq, type, id, item, baseVersion, base, queuedAt: Date.now() };
      this.#state.pending.push(entry);
    }
    this.#changed();
    return { ...entry };
  }

  replay() {
    if (!this.#replaying) {
      this.#replaying = this.#replayAll().finally(() => { this.#replaying = null; });
    }
    return this.#replaying;
  }

  dismiss(seq) {
    this.#state.decisions = this.#state.decisions.filter((entry) => entry.seq !== seq);
    this.#changed();
  }

  async #replayAll() {
    const counts = { saved: 0, decisions: 0 };
    while (this.#state.pending.length) {
      const entry = this.#state.pending[0];
      this.#sending = entry;
      let outcome;
      try {
        outcome = await this.#send({ ...entry });
      } catch {
        break; // still offline: try again on the next reconnect
      } finally {
        this.#sending = null;
      }
      this.#state.pending.shift();
      if (outcome?.status === 'saved') {
        counts.saved += 1;
        this.#rebaseLaterEdits(entry, outcome.item);
        this.#changed();
        this.#emit('saved', { entry, outcome });
      } else {
        counts.decisions += 1;
        const decision = { ...entry, outcome };
        this.#state.decisions.push(decision);
        this.#changed();
        this.#emit('decision', { entry: decision, outcome });
      }
    }
    return { ...counts, remaining: this.#state.pending.length };
  }

  // An edit of the same item queued while its earlier save was in flight was made on top of
  // that save: its base is now what the server stored.
  #rebaseLaterEdits(sent, stored) {
    if (!stored) return;
    for (const entry of this.#state.pending) {
      if (entry.type === sent.type && entry.id === sent.id && entry.baseVersion === sent.baseVersion) {
        entry.base = stored;
        entry.baseVersion = stored.version;
      }
    }
  }

  #load() {
    const empty = { seq: 0, pending: [], decisions: [] };
    const saved = this.#storage?.getItem(this.#key);
    if (!saved) return empty;
    try {
      return { ...empty, ...JSON.parse(saved) };
    } catch {
      return empty; // a corrupt entry must not stop the app from starting
    }
  }

  #changed() {
    this.#storage?.setItem(this.#key, JSON.stringify(this.#state));
    this.#emit('change', { pending: this.pending, decisions: this.decisions });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

// Back from a disruption (docs/contracts.md, "The station's app: storage surface and session"):
// the saves the outbox kept (collab/outbox.js) are replayed in order through the same path as
// a live save (merge on conflict, the user decides on the same field), then the changes made
// meanwhile are read and applied (catch-up). One resync runs at a time.
//
// The functions work on the StorageDynamoDB passed in: its outbox, replica, userId, emit, the
// running resync (`resyncing`) and its public changesSince and receive.
import { requireEntity } from '../entities.js';
import { SaveConflict, send } from './writes.js';

// A catch-up starts a little before the newest change seen: clocks of the writers differ and
// an item's updatedAt is set before its write lands in the index.
const CATCH_UP_MARGIN_MS = 5000;

/** The outbox's replay of one queued save, as the outbox's outcome: saved, conflict (the
 * user decides) or rejected; a throw while the network is still down. */
export async function sendQueued(storage, { type, item, baseVersion, base }) {
  const entity = requireEntity(type);
  try {
    return { status: 'saved', item: await send(storage, entity, item, baseVersion ?? undefined, base) };
  } catch (error) {
    if (error instanceof SaveConflict) return { status: 'conflict', ...error.detail };
    if (error.errorType) return { status: 'rejected', error: { errorType: error.errorType, message: error.message } };
    throw error; // no answer (network still down): the save stays first in line
  }
}

/** Replay the outbox, then catch up; a run already going is joined, not repeated. */
export function resync(storage) {
  if (!storage.userId) return Promise.resolve();
  storage.resyncing ??= (async () => {
    try {
      await storage.outbox.replay();
      await catchUp(storage);
    } catch (error) {
      storage.emit('error', { error });
    } finally {
      storage.resyncing = null;
    }
  })();
  return storage.resyncing;
}

/** Apply every change made since the newest one seen. */
async function catchUp(storage) {
  const since = Math.max(0, storage.replica.lastSeen - CATCH_UP_MARGIN_MS);
  const changes = await storage.changesSince(since);
  for (const change of changes) await storage.receive(change);
  storage.emit('caughtup', { since, changes: changes.length });
}

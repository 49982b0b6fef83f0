// Live updates: one subscription per entity; a remote change is applied to the replica only
// when newer than the cached copy, then announced (`change`), so the lists load() handed out
// stay current in place. The connection's state is followed (`connection` events); back from a
// disruption, or when the browser is online again, the storage resyncs (storage/replay.js).
//
// The functions work on the StorageDynamoDB passed in: its client, replica, subscriptions,
// presence, connection state, emit, and its public getItem and resync.
import { CONNECTION_STATE_CHANGE, ConnectionState } from 'aws-amplify/api';
import { Hub } from 'aws-amplify/utils';

import { ENTITIES } from '../entities.js';
import * as ops from '../operations.js';

/** Listen to Amplify's connection state and the browser's `online` event (once, on configure). */
export function followConnection(storage) {
  Hub.listen('api', ({ payload }) => {
    if (payload.event === CONNECTION_STATE_CHANGE) connectionChanged(storage, payload.data.connectionState);
  });
  globalThis.addEventListener?.('online', () => storage.resync());
}

/** Subscribe to every entity's changes (and to presence), replacing any earlier feed. */
export function startLive(storage) {
  stopLive(storage);
  for (const entity of ENTITIES) {
    const field = ops.subscriptionField(entity);
    const subscription = storage.client.graphql({ query: ops.changedSubscription(entity) }).subscribe({
      next: ({ data }) => receive(storage, data[field]).catch((error) => storage.emit('error', { error })),
      error: (error) => storage.emit('error', { error }),
    });
    storage.subscriptions.push(subscription);
  }
  storage.presence?.watch();
}

export function stopLive(storage) {
  for (const subscription of storage.subscriptions) subscription.unsubscribe();
  storage.subscriptions = [];
}

/** A change from the server: applied if newer than the cached copy, then announced. A change
 * that does not carry its item is read again first. */
export async function receive(storage, change) {
  let outcome = storage.replica.apply(change);
  if (outcome === 'refetch') {
    const item = await storage.getItem(change.entity, change.id);
    outcome = item ? storage.replica.apply({ ...change, item, version: item.version }) : 'stale';
  }
  if (outcome !== 'applied') return;
  storage.emit('change', change);
}

function connectionChanged(storage, state) {
  const previous = storage.connectionState;
  storage.connectionState = state;
  storage.emit('connection', { state, previous });
  // Back from a disruption: send what was queued, then ask for what happened meanwhile.
  if (state === ConnectionState.Connected && previous !== ConnectionState.Connected && storage.wasConnected) {
    storage.resync();
  }
  if (state === ConnectionState.Connected) storage.wasConnected = true;
}

// The classic-script build of the storage module for the station's own app, which loads its
// storage as a plain <script> in place of js/core/storage-dynamodb-v2.js (docs/contracts.md,
// "Classic bundle"). Like the old script it sets window.StorageDynamoDB and window.Storage to
// the class; the app makes its own instance (`new StorageDynamoDB()`), which keeps the app's
// screens live through the station adapter.
import { attachStationApp } from './legacy/adapter.js';
import { StorageDynamoDB as PlatformStorage } from './storage.js';

class StorageDynamoDB extends PlatformStorage {
  constructor(options) {
    super(options);
    this.detachApp = attachStationApp(this, window);
  }
}

window.StorageDynamoDB = StorageDynamoDB;
window.Storage = StorageDynamoDB;

// Loaded by the station's page, never instantiated: it only takes its class name.
class ContentManager {
  constructor(storage) { this.storage = storage; }
}

// Loaded by the station's page, never instantiated: it only takes its class name.
class AudioEditor {
  constructor(container) { this.container = container; }
}

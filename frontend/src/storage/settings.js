// The app's settings (its `load().settings`, written back by `save(data)`): they stay in this
// browser, never on the server, as with the station's old storage (docs/contracts.md, "The
// station's app: storage surface and session").
const SETTINGS_KEY = 'saint-esprit:settings';

/** The settings saved in this browser; {} when there are none or they are unreadable. */
export function readSettings() {
  try {
    return JSON.parse(globalThis.localStorage?.getItem(SETTINGS_KEY) ?? '{}');
  } catch {
    return {};
  }
}

export function writeSettings(settings) {
  globalThis.localStorage?.setItem(SETTINGS_KEY, JSON.stringify(settings));
}

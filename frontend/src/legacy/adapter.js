// Live screens for the station's own newsroom app, which has no update hook of its own
// (docs/contracts.md, "The station's app"). Once the storage has applied a remote change to
// the arrays it handed out, the app is told in the only ways it understands:
// - the old storage's contract, `app.onDatabaseUpdate(type, items)`, when the app defines it;
// - otherwise the app's own list methods redraw the view on screen, if that view shows the
//   changed entity. `loadX` rewrites lists only, but a redraw under an open editor of the
//   changed kind is still held back until the editor closes; meanwhile the editor's user is
//   told when the item they have open changed.
// Bursts (a catch-up after a disconnection, a bulk save elsewhere) cost one redraw.

// The app's views: what each shows and the method that redraws it. "blocks" is the tab
// labelled Journaux: it shows journals, not blocks.
const VIEWS = {
  dashboard: { redraw: 'updateDashboard', shows: ['news', 'animations', 'conductors', 'journals'] },
  news: { redraw: 'loadNews', shows: ['news', 'animations'] },
  archives: { redraw: 'loadArchives', shows: ['news', 'animations'] },
  animation: { redraw: 'loadAnimations', shows: ['animations'] },
  conductor: { redraw: 'loadConductors', shows: ['conductors'] },
  blocks: { redraw: 'loadJournals', shows: ['journals'] },
};

// The app's open-editor markers: the item being edited, null when the editor is closed.
const EDITORS = {
  news: 'currentNews',
  animations: 'currentAnimation',
  conductors: 'currentConductor',
  journals: 'currentJournal',
};

// Changes arriving within this delay are drawn together.
export const REDRAW_DELAY_MS = 50;
// How often a redraw held back by an open editor checks whether it closed.
export const EDITOR_CHECK_MS = 250;

const DELETED = new Set(['DELETE', 'PURGE']);

/** The station's app (window.app) as far as the adapter can tell, or null: the old update hook,
 * or the list methods and current view of SaintEspritV3. */
function recognise(app) {
  if (!app || typeof app !== 'object') return null;
  if (typeof app.onDatabaseUpdate === 'function') return 'hook';
  if (typeof app.loadNews === 'function' && 'currentView' in app) return 'views';
  return null;
}

/** Follow `storage`'s remote changes into the app found at `win.app` (looked up at each
 * change: the app is created after the storage script loads). Returns a function that stops. */
export function attachStationApp(storage, win = globalThis) {
  const changed = new Set(); // entity names changed since the last redraw
  let timer = null; // the pending redraw (short delay, or an editor check)

  const later = (delay) => {
    timer ??= win.setTimeout(() => {
      timer = null;
      redraw();
    }, delay);
  };

  function redraw() {
    const app = win.app;
    const kind = recognise(app);
    if (kind === 'hook') {
      for (const type of changed) app.onDatabaseUpdate(type, storage.cache[type]);
    } else if (kind === 'views') {
      const view = VIEWS[app.currentView];
      // A view that does not show the changes needs nothing: switching to another view draws
      // it from the updated arrays.
      const shown = view ? view.shows.filter((type) => changed.has(type)) : [];
      if (shown.length && typeof app[view.redraw] === 'function') {
        // An editor of a changed kind is open: its user sees the list move only once it closes.
        if (shown.some((type) => app[EDITORS[type]])) return later(EDITOR_CHECK_MS);
        Promise.resolve()
          .then(() => app[view.redraw]())
          .catch((error) => win.console?.error('Saint-Esprit: redraw after a remote change failed', error));
      }
    }
    changed.clear();
  }

  function warnEditor(app, change) {
    const open = app[EDITORS[change.entity]];
    if (!open || open.id !== change.id) return;
    const title = open.title ? `« ${open.title} »` : 'Cet élément';
    const what = DELETED.has(change.op)
      ? "vient d'être supprimé par quelqu'un d'autre."
      : "vient d'être modifié par quelqu'un d'autre. Vos changements seront fusionnés à l'enregistrement.";
    const notify = win.showNotification ?? app.showNotification?.bind(app);
    notify?.(`${title} ${what}`, 'warning');
  }

  function onChange(event) {
    const change = event.detail;
    const app = win.app;
    const kind = recognise(app);
    if (!kind || !change?.entity) return;
    if (kind === 'views') warnEditor(app, change);
    changed.add(change.entity);
    later(REDRAW_DELAY_MS);
  }

  storage.addEventListener('change', onChange);
  return function detach() {
    storage.removeEventListener('change', onChange);
    if (timer != null) win.clearTimeout(timer);
    timer = null;
    changed.clear();
  };
}

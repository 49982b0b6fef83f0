// The station app adapter against a stand-in of the station's app (SaintEspritV3's state and
// list methods) and a hand-driven clock: which view is redrawn, when, and how often.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EDITOR_CHECK_MS, REDRAW_DELAY_MS, attachStationApp } from '../src/legacy/adapter.js';

/** The storage as the adapter sees it: an EventTarget with `cache`, emitting `change`. */
function fakeStorage() {
  const storage = new EventTarget();
  storage.cache = { news: [], animations: [], blocks: [], conductors: [], journals: [], multitracks: [] };
  storage.change = (entity, id, op = 'UPDATE') =>
    storage.dispatchEvent(new CustomEvent('change', { detail: { entity, op, id, version: 2, item: { id }, changedBy: 'other', changedAt: 1 } }));
  return storage;
}

/** A window whose timers run only when the test advances the clock. */
function fakeWindow(app) {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  const win = {
    app,
    notifications: [],
    showNotification: (message, type) => win.notifications.push({ message, type }),
    setTimeout: (callback, delay) => {
      timers.set(nextId, { at: now + delay, callback });
      return nextId++;
    },
    clearTimeout: (id) => timers.delete(id),
    console: { error: (...args) => win.errors.push(args) },
    errors: [],
    pendingTimers: () => timers.size,
    /** Advance the clock, running every timer due (timers set meanwhile included). */
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= until).sort(([, a], [, b]) => a.at - b.at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
        await Promise.resolve(); // the redraw runs in a microtask
      }
      now = until;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
  return win;
}

/** SaintEspritV3 as far as the adapter relies on it: its view, its editors, its list methods. */
function stationApp(currentView = 'news') {
  const calls = [];
  const app = { currentView, currentNews: null, currentAnimation: null, currentConductor: null, currentJournal: null, calls };
  for (const name of ['loadNews', 'loadArchives', 'loadAnimations', 'loadConductors', 'loadJournals', 'updateDashboard']) {
    app[name] = async () => { calls.push(name); };
  }
  return app;
}

test('a burst of remote changes redraws the visible view once', async () => {
  const storage = fakeStorage();
  const app = stationApp('news');
  const win = fakeWindow(app);
  attachStationApp(storage, win);
  for (let i = 0; i < 20; i += 1) storage.change(i % 2 ? 'news' : 'animations', `news-${i}`);
  assert.deepEqual(app.calls, [], 'nothing drawn synchronously inside the storage event');
  await win.advance(REDRAW_DELAY_MS);
  assert.deepEqual(app.calls, ['loadNews']);
  await win.advance(1000);
  assert.deepEqual(app.calls, ['loadNews']);
});

test('each view is redrawn by its own list method, and only for the entities it shows', async () => {
  const cases = [
    ['news', 'news', 'loadNews'],
    ['news', 'animations', 'loadNews'],
    ['archives', 'news', 'loadArchives'],
    ['animation', 'animations', 'loadAnimations'],
    ['conductor', 'conductors', 'loadConductors'],
    ['blocks', 'journals', 'loadJournals'], // the Journaux tab
    ['dashboard', 'conductors', 'updateDashboard'],
    ['animation', 'news', null],
    ['conductor', 'journals', null],
    ['blocks', 'blocks', null], // the Journaux tab never shows blocks
    ['multitrack', 'multitracks', null], // the multitrack editor reads its projects itself
    ['onair', 'conductors', null],
  ];
  for (const [view, entity, expected] of cases) {
    const storage = fakeStorage();
    const app = stationApp(view);
    const win = fakeWindow(app);
    attachStationApp(storage, win);
    storage.change(entity, 'x-1');
    await win.advance(REDRAW_DELAY_MS);
    assert.deepEqual(app.calls, expected ? [expected] : [], `${entity} changed while ${view} is shown`);
  }
});

test('the view waits while an editor of its kind is open, and is redrawn once it closes', async () => {
  const storage = fakeStorage();
  const app = stationApp('news');
  app.currentNews = { id: 'news-1', title: 'Grève SNCF' };
  const win = fakeWindow(app);
  attachStationApp(storage, win);
  storage.change('news', 'news-2');
  storage.change('animations', 'animation-3');
  await win.advance(10 * EDITOR_CHECK_MS);
  assert.deepEqual(app.calls, [], 'never redrawn under the open editor');
  assert.equal(win.pendingTimers(), 1, 'one cheap check pending, not one per change');
  assert.deepEqual(win.notifications, [], 'other items changed: nothing to tell the editor');

  app.currentNews = null; // the user saved or closed the editor
  await win.advance(EDITOR_CHECK_MS);
  assert.deepEqual(app.calls, ['loadNews']);
  assert.equal(win.pendingTimers(), 0, 'no polling once nothing is held back');
});

test('an open editor of another kind than the change does not hold the view back', async () => {
  for (const [view, editor, entity, expected] of [
    ['conductor', 'currentJournal', 'conductors', 'loadConductors'],
    ['news', 'currentAnimation', 'news', 'loadNews'],
    ['news', 'currentNews', 'animations', 'loadNews'],
  ]) {
    const storage = fakeStorage();
    const app = stationApp(view);
    app[editor] = { id: 'x-1' };
    const win = fakeWindow(app);
    attachStationApp(storage, win);
    storage.change(entity, 'x-2');
    await win.advance(REDRAW_DELAY_MS);
    assert.deepEqual(app.calls, [expected], `${entity} changed while ${editor} is open on ${view}`);
  }
});

test('the user editing the item that changed is told at once, in French', async () => {
  const storage = fakeStorage();
  const app = stationApp('news');
  app.currentNews = { id: 'news-1', title: 'Grève SNCF' };
  const win = fakeWindow(app);
  attachStationApp(storage, win);
  storage.change('news', 'news-1', 'UPDATE');
  assert.equal(win.notifications.length, 1);
  assert.match(win.notifications[0].message, /« Grève SNCF » vient d'être modifié par quelqu'un d'autre/);
  assert.equal(win.notifications[0].type, 'warning');
  storage.change('news', 'news-1', 'DELETE');
  assert.match(win.notifications[1].message, /« Grève SNCF » vient d'être supprimé/);
  // A news with the same id is not an animation: no notice for the animation editor.
  app.currentNews = null;
  app.currentAnimation = { id: 'news-1', title: 'Jeu' };
  storage.change('news', 'news-1');
  assert.equal(win.notifications.length, 2);
});

test("the app's own notification method serves when the global one is missing", async () => {
  const storage = fakeStorage();
  const app = stationApp('conductor');
  const told = [];
  app.showNotification = function (message) { told.push([this, message]); };
  app.currentConductor = { id: 'conductor-1', title: 'Matinale' };
  const win = fakeWindow(app);
  delete win.showNotification;
  attachStationApp(storage, win);
  storage.change('conductors', 'conductor-1');
  assert.equal(told.length, 1);
  assert.equal(told[0][0], app);
});

test('an app with the old update hook gets (type, items) per changed entity, once per burst', async () => {
  const storage = fakeStorage();
  const updates = [];
  const app = { onDatabaseUpdate: (type, items) => updates.push([type, items]) };
  const win = fakeWindow(app);
  attachStationApp(storage, win);
  storage.change('news', 'news-1');
  storage.change('news', 'news-2');
  storage.change('journals', 'journal-1');
  await win.advance(REDRAW_DELAY_MS);
  assert.deepEqual(updates.map(([type]) => type), ['news', 'journals']);
  assert.equal(updates[0][1], storage.cache.news, 'the very array load() handed out');
  assert.equal(updates[1][1], storage.cache.journals);
});

test('the app is looked up at each change: created after the storage, it is still served', async () => {
  const storage = fakeStorage();
  const win = fakeWindow(undefined);
  attachStationApp(storage, win);
  storage.change('news', 'news-1'); // before DOMContentLoaded: no app yet, nothing to do
  await win.advance(REDRAW_DELAY_MS);
  assert.equal(win.pendingTimers(), 0);
  win.app = stationApp('news');
  storage.change('news', 'news-2');
  await win.advance(REDRAW_DELAY_MS);
  assert.deepEqual(win.app.calls, ['loadNews']);
});

test('a page that is not the station app is left alone', async () => {
  for (const app of [{}, { loadNews() {} }, { currentView: 'news' }, 'app']) {
    const storage = fakeStorage();
    const win = fakeWindow(app);
    attachStationApp(storage, win);
    storage.change('news', 'news-1');
    assert.equal(win.pendingTimers(), 0);
  }
});

test('a failing redraw is logged, and later changes are still drawn', async () => {
  const storage = fakeStorage();
  const app = stationApp('news');
  let fail = true;
  app.loadNews = async () => {
    app.calls.push('loadNews');
    if (fail) throw new Error('cannot draw');
  };
  const win = fakeWindow(app);
  attachStationApp(storage, win);
  storage.change('news', 'news-1');
  await win.advance(REDRAW_DELAY_MS);
  assert.equal(win.errors.length, 1);
  fail = false;
  storage.change('news', 'news-2');
  await win.advance(REDRAW_DELAY_MS);
  assert.deepEqual(app.calls, ['loadNews', 'loadNews']);
});

test('detach stops following changes and drops a pending redraw', async () => {
  const storage = fakeStorage();
  const app = stationApp('news');
  const win = fakeWindow(app);
  const detach = attachStationApp(storage, win);
  storage.change('news', 'news-1');
  detach();
  storage.change('news', 'news-2');
  await win.advance(1000);
  assert.deepEqual(app.calls, []);
  assert.equal(win.pendingTimers(), 0);
});

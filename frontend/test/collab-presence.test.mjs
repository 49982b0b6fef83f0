// The browser's presence helper against a fake API: announcing, renewing, live updates, expiry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { ANNOUNCE, CHANGED, EditPresence, LIST, STOP } from '../src/collab/presence.js';

// The API as the resolver behaves, with announcements lasting `lastsMs`, and a subscription
// that broadcasts every presence mutation to all watchers.
function fakeApi({ lastsMs = 90_000 } = {}) {
  const rows = new Map();
  const watchers = new Set();
  const calls = [];
  const broadcast = (presence) => { for (const w of watchers) w.next({ data: { onPresenceChanged: presence } }); };
  function as(user) {
    return async (query, variables) => {
      calls.push({ user: user.sub, query, variables });
      const key = `${variables.entity}#${variables.id}#${user.sub}`;
      const shape = { entity: variables.entity, id: variables.id, editorId: user.sub, editorName: user.name, field: variables.field ?? null };
      if (query === ANNOUNCE) {
        const presence = { ...shape, expiresAt: Date.now() + lastsMs, active: true };
        rows.set(key, presence);
        broadcast(presence);
        return { announceEditing: presence };
      }
      if (query === STOP) {
        rows.delete(key);
        const presence = { ...shape, expiresAt: Date.now(), active: false };
        broadcast(presence);
        return { stopEditing: presence };
      }
      if (query === LIST) {
        const prefix = `${variables.entity}#${variables.id}#`;
        return { listEditors: [...rows].filter(([k, p]) => k.startsWith(prefix) && p.expiresAt > Date.now()).map(([, p]) => p) };
      }
      throw new Error(`unexpected query ${query}`);
    };
  }
  const subscribe = (query) => {
    assert.equal(query, CHANGED);
    return { subscribe: (observer) => { watchers.add(observer); return { unsubscribe: () => watchers.delete(observer) }; } };
  };
  return { as, subscribe, calls, watchers };
}

const CLARA = { sub: 'sub-clara', name: 'Clara Bert' };
const SIMON = { sub: 'sub-simon', name: 'Simon Marty' };

function browser(api, user, options = {}) {
  const presence = new EditPresence({ request: api.as(user), subscribe: api.subscribe, selfId: user.sub, ...options });
  presence.watch();
  return presence;
}

test("another journalist sees the editor's name live, and it goes when they stop", async () => {
  const api = fakeApi();
  const clara = browser(api, CLARA);
  const simon = browser(api, SIMON);
  const seen = [];
  simon.addEventListener('presence', (event) => seen.push(event.detail.editors.map((e) => e.editorName)));
  const done = clara.editing('news', 'news-1', 'content');
  await sleep(0);
  assert.deepEqual(simon.editorsOf('news', 'news-1').map((e) => [e.editorName, e.field]), [['Clara Bert', 'content']]);
  assert.deepEqual(clara.editorsOf('news', 'news-1'), [], 'one does not warn oneself');
  await done();
  assert.deepEqual(simon.editorsOf('news', 'news-1'), []);
  assert.deepEqual(seen, [['Clara Bert'], []]);
  await Promise.all([clara.close(), simon.close()]);
  assert.equal(api.watchers.size, 0);
});

test('someone opening an item later loads who is already editing it', async () => {
  const api = fakeApi();
  const clara = browser(api, CLARA);
  const done = clara.editing('conductors', 'conductor-1');
  await sleep(0);
  const simon = new EditPresence({ request: api.as(SIMON), subscribe: api.subscribe, selfId: SIMON.sub });
  assert.deepEqual((await simon.load('conductors', 'conductor-1')).map((e) => e.editorId), ['sub-clara']);
  await done();
  // Closed too: the expiry timer of the announcement Simon loaded would hold the run 90 s.
  await Promise.all([clara.close(), simon.close()]);
});

test('the announcement is renewed while editing and not after', async () => {
  const api = fakeApi();
  const clara = browser(api, CLARA, { renewEveryMs: 20 });
  const done = clara.editing('news', 'news-1');
  await sleep(110);
  await done();
  const announces = api.calls.filter((c) => c.query === ANNOUNCE).length;
  assert.ok(announces >= 3, `announced ${announces} times in 110 ms at one per 20 ms`);
  await sleep(50);
  assert.equal(api.calls.filter((c) => c.query === ANNOUNCE).length, announces);
  assert.equal(api.calls.at(-1).query, STOP);
  await clara.close();
});

test("an editor whose browser died disappears when the announcement expires", async () => {
  const api = fakeApi({ lastsMs: 40 });
  const simon = browser(api, SIMON);
  const changes = [];
  simon.addEventListener('presence', (event) => changes.push(event.detail.editors.length));
  // Clara's browser announces once and is never heard of again (no renewal, no stop).
  await api.as(CLARA)(ANNOUNCE, { entity: 'news', id: 'news-1', field: null });
  assert.equal(simon.editorsOf('news', 'news-1').length, 1);
  await sleep(200);
  assert.deepEqual(simon.editorsOf('news', 'news-1'), []);
  assert.deepEqual(changes, [1, 0], 'the page was told when the name expired');
  await simon.close();
});

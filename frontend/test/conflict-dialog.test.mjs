// The conflict dialog in a small stand-in DOM (elements, attributes, events, <dialog>'s
// showModal/close): what the user is shown, and what each answer resolves to.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { askConflict } from '../src/collab/conflict-dialog.js';

class Element extends EventTarget {
  constructor(document, tagName) {
    super();
    this.ownerDocument = document;
    this.tagName = tagName.toUpperCase();
    this.attributes = new Map();
    this.childNodes = [];
    this.parentNode = null;
    this.open = false;
  }
  setAttribute(name, value) { this.attributes.set(name, String(value)); }
  getAttribute(name) { return this.attributes.get(name) ?? null; }
  append(...nodes) {
    for (const node of nodes) {
      if (node instanceof Element) {
        node.parentNode = this;
        this.childNodes.push(node);
      } else {
        this.childNodes.push(String(node));
      }
    }
  }
  remove() {
    if (!this.parentNode) return;
    this.parentNode.childNodes = this.parentNode.childNodes.filter((node) => node !== this);
    this.parentNode = null;
  }
  get children() { return this.childNodes.filter((node) => node instanceof Element); }
  get textContent() { return this.childNodes.map((node) => (node instanceof Element ? node.textContent : node)).join(''); }
  set textContent(text) { this.childNodes = [String(text)]; }
  click() { this.dispatchEvent(new Event('click')); }
  // <dialog>
  showModal() {
    if (this.open) throw new Error('InvalidStateError: the dialog is already open');
    this.open = true;
    this.ownerDocument.modals.push(this);
  }
  close() {
    if (!this.open) return;
    this.open = false;
    this.dispatchEvent(new Event('close'));
  }
  /** Escape, as the browser does it: `cancel` (cancelable), then close unless prevented. */
  pressEscape() {
    if (this.dispatchEvent(new Event('cancel', { cancelable: true }))) this.close();
  }
}

function fakeDocument() {
  const document = {
    modals: [],
    createElement: (tag) => new Element(document, tag),
    querySelector: (selector) => {
      const [, tag, name, value] = /^(\w+)\[([\w-]+)="([^"]*)"\]$/.exec(selector);
      return all(document.documentElement).find((node) => node.tagName === tag.toUpperCase() && node.getAttribute(name) === value) ?? null;
    },
  };
  document.documentElement = document.createElement('html');
  document.head = document.createElement('head');
  document.body = document.createElement('body');
  document.documentElement.append(document.head, document.body);
  return document;
}

const all = (root) => [root, ...root.children.flatMap(all)];
const byTestId = (root, testId) => all(root).filter((node) => node.getAttribute('data-testid') === testId);
const one = (root, testId) => {
  const found = byTestId(root, testId);
  assert.equal(found.length, 1, `one ${testId}`);
  return found[0];
};
const classed = (root, name) => all(root).find((node) => node.getAttribute('class') === name);

function sameFieldConflict() {
  return {
    type: 'news',
    id: 'news-1',
    base: { id: 'news-1', title: 'Conseil municipal', content: "Texte d'origine", version: 1 },
    mine: { id: 'news-1', title: 'Conseil municipal (Simon)', content: 'Version de Simon', duration: 45 },
    theirs: { id: 'news-1', title: 'Conseil municipal, séance levée', content: 'Version de Clara', version: 2 },
    conflicts: [
      { path: 'title', base: 'Conseil municipal', mine: 'Conseil municipal (Simon)', theirs: 'Conseil municipal, séance levée' },
      { path: 'content', base: "Texte d'origine", mine: 'Version de Simon', theirs: 'Version de Clara' },
      { path: 'segments[id=seg-2]', base: { id: 'seg-2', title: 'Titres' }, mine: undefined, theirs: { id: 'seg-2', title: 'Titres du jour' } },
    ],
    resolve: async () => null,
  };
}

/** Open the dialog; returns the pending answer and the dialog element. */
function ask(detail, document = fakeDocument()) {
  const answer = askConflict(detail, { document });
  return new Promise((resolve) => setImmediate(() => resolve({ answer, document, dialog: document.modals.at(-1) })));
}

test('the dialog shows each conflicting field with both values, in French, as a modal', async () => {
  const { dialog, document } = await ask(sameFieldConflict());
  assert.equal(dialog.tagName, 'DIALOG');
  assert.equal(dialog.open, true);
  assert.equal(dialog.parentNode, document.body);
  assert.equal(dialog.getAttribute('data-testid'), 'conflict-dialog');
  assert.equal(dialog.getAttribute('data-variant'), 'fields');
  const heading = all(dialog).find((node) => node.getAttribute('id') === dialog.getAttribute('aria-labelledby'));
  assert.equal(heading.tagName, 'H2');
  assert.equal(heading.textContent, "« Conseil municipal (Simon) » a été modifié entre-temps par quelqu'un d'autre");
  const help = all(dialog).find((node) => node.getAttribute('id') === dialog.getAttribute('aria-describedby'));
  assert.match(help.textContent, /rien n'a été écrasé/);

  const rows = byTestId(dialog, 'conflict-field');
  assert.deepEqual(rows.map((row) => row.getAttribute('data-path')), ['title', 'content', 'segments[id=seg-2]']);
  assert.deepEqual(rows.map((row) => row.children[0].textContent), ['Titre', 'Texte', 'segments[id=seg-2]']);
  assert.equal(classed(rows[1], 'mine').textContent, 'Version de Simon');
  assert.equal(classed(rows[1], 'theirs').textContent, 'Version de Clara');
  assert.equal(classed(rows[2], 'mine').textContent, '—', 'a removed value is shown as a dash');
  assert.equal(JSON.parse(classed(rows[2], 'theirs').textContent).title, 'Titres du jour');
  // Every choice is labelled for a screen reader, and mine is chosen until the user says otherwise.
  const radios = byTestId(rows[0], 'conflict-choose-mine').concat(byTestId(rows[0], 'conflict-choose-theirs'));
  assert.deepEqual(radios.map((radio) => radio.getAttribute('aria-label')), ['Garder ma version : Titre', 'Garder leur version : Titre']);
  assert.deepEqual(radios.map((radio) => radio.checked), [true, false]);
  assert.equal(radios[0].getAttribute('name'), radios[1].getAttribute('name'));
  assert.deepEqual(byTestId(dialog, 'conflict-keep-mine').map((b) => b.textContent), ['Garder la mienne partout']);
});

test('keeping mine or theirs for every field resolves to that word and removes the dialog', async () => {
  for (const [testId, decision] of [['conflict-keep-mine', 'mine'], ['conflict-keep-theirs', 'theirs']]) {
    const { answer, dialog } = await ask(sameFieldConflict());
    one(dialog, testId).click();
    assert.equal(await answer, decision);
    assert.equal(dialog.open, false);
    assert.equal(dialog.parentNode, null);
  }
});

test('choices made field by field resolve to {path: side}', async () => {
  const { answer, dialog } = await ask(sameFieldConflict());
  const [title, , segment] = byTestId(dialog, 'conflict-field');
  one(title, 'conflict-choose-mine').checked = false;
  one(title, 'conflict-choose-theirs').checked = true;
  one(segment, 'conflict-choose-mine').checked = false;
  one(segment, 'conflict-choose-theirs').checked = true;
  one(dialog, 'conflict-apply').click();
  assert.deepEqual(await answer, { title: 'theirs', content: 'mine', 'segments[id=seg-2]': 'theirs' });
});

test('an item deleted meanwhile offers to recreate my version or to let it go', async () => {
  const detail = { type: 'news', id: 'news-9', mine: { id: 'news-9', title: 'Agenda culturel' }, base: null, conflicts: [] };
  for (const theirs of [null, { id: 'news-9', title: 'Agenda culturel', deletedAt: 1700000000000, version: 3 }]) {
    for (const [testId, label, decision] of [['conflict-keep-mine', 'Recréer ma version', 'mine'], ['conflict-keep-theirs', 'Abandonner', 'theirs']]) {
      const { answer, dialog } = await ask({ ...detail, theirs });
      assert.equal(dialog.getAttribute('data-variant'), 'deleted');
      assert.match(dialog.textContent, /« Agenda culturel » a été supprimé entre-temps par quelqu'un d'autre/);
      assert.deepEqual(byTestId(dialog, 'conflict-field'), []);
      assert.deepEqual(byTestId(dialog, 'conflict-apply'), []);
      const button = one(dialog, testId);
      assert.equal(button.textContent, label);
      button.click();
      assert.equal(await answer, decision);
    }
  }
});

test('Escape does not dismiss the question, and a dialog closed without an answer comes back', async () => {
  const { answer, dialog } = await ask(sameFieldConflict());
  dialog.pressEscape();
  assert.equal(dialog.open, true);
  dialog.close(); // e.g. the browser closes it anyway
  assert.equal(dialog.open, true, 'shown again: the save is still waiting');
  one(dialog, 'conflict-keep-theirs').click();
  assert.equal(await answer, 'theirs');
});

test('two conflicts at once are asked one after the other', async () => {
  const document = fakeDocument();
  const first = askConflict(sameFieldConflict(), { document });
  const second = askConflict({ ...sameFieldConflict(), mine: { id: 'news-2', title: 'Météo' } }, { document });
  await new Promise(setImmediate);
  assert.equal(byTestId(document.body, 'conflict-dialog').length, 1);
  one(document.body, 'conflict-keep-mine').click();
  assert.equal(await first, 'mine');
  await new Promise(setImmediate);
  const dialog = one(document.body, 'conflict-dialog');
  assert.match(dialog.textContent, /« Météo »/);
  one(dialog, 'conflict-keep-theirs').click();
  assert.equal(await second, 'theirs');
  assert.equal(document.head.children.filter((node) => node.tagName === 'STYLE').length, 1, 'one stylesheet per page');
});

// The reference newsroom page: sign-in, the five lists with create/edit/delete/restore, live
// updates and the conflict dialog. It talks to the platform only through the storage module,
// and its events (the station's own app gets the classic bundle, src/station.js, instead).
import { askConflict } from './collab/conflict-dialog.js';
import { ENTITIES, SYSTEM_FIELDS } from './entities.js';
import { SaveConflict, StorageDynamoDB } from './storage.js';

// The page's one storage, on window where tests and benchmarks reach it.
const storage = new StorageDynamoDB();
window.Storage = storage;
const $ = (testId, scope = document) => scope.querySelector(`[data-testid="${testId}"]`);
const LABELS = { news: 'News', animations: 'Animations', blocks: 'Blocs', conductors: 'Conducteurs', journals: 'Journaux', multitracks: 'Multipistes' };
// Fields the editor shows on their own; everything else the app stores is edited as JSON.
const OWN_FIELDS = ['id', 'title', 'content', ...SYSTEM_FIELDS];

let editing = null; // {entity, item, done}: the item as the editor opened it (with its version)

// Every remote change the storage applied redraws the lists.
storage.addEventListener('change', () => renderLists());

// Amplify's real-time connection states, as the newsroom reads them (data-state keeps the raw one).
const CONNECTION_LABELS = {
  Connected: 'En direct',
  Connecting: 'Connexion…',
  ConnectedPendingNetwork: 'Réseau incertain',
  ConnectedPendingKeepAlive: 'Réseau incertain',
  ConnectedPendingDisconnect: 'Déconnexion…',
  ConnectionDisrupted: 'Coupé, reconnexion…',
  ConnectionDisruptedPendingNetwork: 'Hors ligne',
  Disconnected: 'Déconnecté',
};

function showStatus(message, kind = 'info') {
  const status = $('status');
  status.textContent = message;
  status.dataset.kind = kind;
}

function describeError(error) {
  return error?.errorType ? `${error.errorType}: ${error.message}` : String(error?.message ?? error);
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'testid') node.dataset.testid = value;
    else if (name === 'onclick') node.addEventListener('click', value);
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

// ---- lists -------------------------------------------------------------------------------

function buildSections() {
  const lists = document.querySelector('.lists');
  for (const entity of ENTITIES) {
    const newButton = element('button', { type: 'button', testid: `new-${entity.name}`, onclick: () => openEditor(entity.name, null) }, 'Nouveau');
    lists.append(
      element('section', { class: 'entity', testid: `section-${entity.name}` },
        element('h2', {}, LABELS[entity.name], newButton),
        element('ul', { testid: `list-${entity.name}` })),
    );
  }
}

const editorNames = (editors) => editors.map((editor) => editor.editorName || editor.editorId).join(', ');

function itemRow(entityName, item) {
  const meta = item.author ? `v${item.version ?? '?'} · ${item.author}` : `v${item.version ?? '?'}`;
  const editors = storage.editorsOf(entityName, item.id);
  const badge = editors.length
    ? [element('span', { class: 'presence', testid: 'presence' }, `en cours d'édition par ${editorNames(editors)}`)]
    : [];
  return element('li', { testid: `item-${entityName}-${item.id}`, 'data-id': item.id, 'data-version': item.version ?? '' },
    element('span', { class: 'title', testid: 'item-title' }, item.title || item.id),
    ...badge,
    element('span', { class: 'meta' }, meta),
    element('button', { type: 'button', testid: 'edit', onclick: () => openEditor(entityName, item) }, 'Modifier'),
    element('button', { type: 'button', testid: 'delete', onclick: () => removeItem(entityName, item) }, 'Supprimer'));
}

function renderLists() {
  for (const entity of ENTITIES) {
    $(`list-${entity.name}`).replaceChildren(...storage.cache[entity.name].map((item) => itemRow(entity.name, item)));
  }
}

async function removeItem(entityName, item) {
  try {
    await storage.deleteItem(entityName, item.id);
    showStatus(`« ${item.title || item.id} » mis à la corbeille`);
    renderLists();
    if (!$('trash').hidden) await renderTrash();
  } catch (error) {
    showStatus(describeError(error), 'error');
  }
}

// ---- trash -------------------------------------------------------------------------------

async function renderTrash() {
  const trash = await storage.getTrash();
  const rows = ENTITIES.flatMap((entity) =>
    trash[entity.name].map((item) =>
      element('li', { testid: `trash-${entity.name}-${item.id}`, 'data-id': item.id },
        element('span', { class: 'title' }, `${LABELS[entity.name]} · ${item.title || item.id}`),
        element('button', { type: 'button', testid: 'restore', onclick: () => restore(entity.name, item) }, 'Restaurer'))));
  $('trash-list').replaceChildren(...rows);
}

async function restore(entityName, item) {
  try {
    await storage.restoreItem(entityName, item.id);
    showStatus(`« ${item.title || item.id} » restauré`);
    renderLists();
    await renderTrash();
  } catch (error) {
    showStatus(describeError(error), 'error');
  }
}

async function toggleTrash() {
  const trash = $('trash');
  trash.hidden = !trash.hidden;
  if (!trash.hidden) await renderTrash().catch((error) => showStatus(describeError(error), 'error'));
}

// ---- outbox (saves made offline) -----------------------------------------------------------

function outcomeText(outcome) {
  if (outcome?.status === 'conflict') return `conflit sur ${outcome.conflicts.map((c) => c.path).join(', ') || "l'élément"}`;
  return describeError(outcome?.error ?? outcome);
}

// What waits for the network, and what a replay could not save without the user.
function renderOutbox() {
  const { pending, decisions } = storage.outbox;
  const label = (entry) => `${LABELS[entry.type]} · ${entry.item?.title || entry.id}`;
  $('outbox-pending').replaceChildren(...pending.map((entry) =>
    element('li', { testid: 'outbox-entry', 'data-id': entry.id }, label(entry))));
  $('outbox-decisions').replaceChildren(...decisions.map((entry) =>
    element('li', { testid: 'outbox-decision', 'data-id': entry.id },
      element('span', {}, `${label(entry)} : ${outcomeText(entry.outcome)}`),
      element('button', { type: 'button', testid: 'outbox-dismiss', onclick: () => storage.outbox.dismiss(entry.seq) }, 'Abandonner ma version'))));
  $('outbox').hidden = pending.length + decisions.length === 0;
}

// ---- editor ------------------------------------------------------------------------------

function openEditor(entityName, item) {
  editing = { entity: entityName, item: item ? structuredClone(item) : null, done: null };
  const warning = $('editor-presence');
  warning.hidden = true;
  if (item) {
    editing.done = storage.startEditing(entityName, item.id);
    // Warn before the edit starts; the save stays allowed (the version check decides).
    storage.loadEditors(entityName, item.id).then((editors) => {
      warning.textContent = `en cours d'édition par ${editorNames(editors)}`;
      warning.hidden = editors.length === 0;
    }, () => {});
  }
  const dialog = $('editor');
  const form = dialog.querySelector('form');
  const others = Object.fromEntries(Object.entries(item ?? {}).filter(([name]) => !OWN_FIELDS.includes(name)));
  dialog.querySelector('.editor-heading').textContent = item ? `Modifier · ${LABELS[entityName]}` : `Nouveau · ${LABELS[entityName]}`;
  form.elements.title.value = item?.title ?? '';
  form.elements.content.value = item?.content ?? '';
  form.elements.fields.value = JSON.stringify(others, null, 2);
  $('editor-error').textContent = '';
  dialog.showModal();
}

async function saveEditor(event) {
  event.preventDefault();
  const form = $('editor').querySelector('form');
  let fields;
  try {
    fields = JSON.parse(form.elements.fields.value || '{}');
  } catch {
    $('editor-error').textContent = 'Les autres champs ne sont pas du JSON valide';
    return;
  }
  const { entity, item: original } = editing;
  const item = { ...fields, title: form.elements.title.value };
  if (form.elements.content.value || original?.content !== undefined) item.content = form.elements.content.value;
  if (original) Object.assign(item, { id: original.id, version: original.version });
  try {
    const saved = await storage.saveItem(entity, item);
    $('editor').close();
    showStatus(`« ${saved.title || saved.id} » enregistré (v${saved.version})`);
    renderLists();
  } catch (error) {
    if (error instanceof SaveConflict) {
      $('editor').close();
      return; // the conflict dialog (from the storage's `conflict` event) takes over
    }
    $('editor-error').textContent = describeError(error);
    showStatus(describeError(error), 'error');
  }
}

// ---- conflicts ---------------------------------------------------------------------------

// The storage's `conflict` event: the user settles it in the shared dialog, then the decision
// is saved (a third editor's change meanwhile is caught like any other).
async function settleConflict(detail) {
  const decision = await askConflict(detail);
  try {
    const saved = await detail.resolve(decision);
    showStatus(saved ? `Conflit résolu (v${saved.version})` : 'Conflit résolu');
    renderLists();
  } catch (error) {
    if (!(error instanceof SaveConflict)) showStatus(describeError(error), 'error');
  }
}

// ---- session -----------------------------------------------------------------------------

async function enterNewsroom() {
  const user = await storage.getCurrentUser();
  $('current-user').textContent = `${user.username} (${user.groups.join(', ') || 'sans groupe'})`;
  $('signin-form').hidden = true;
  for (const id of ['newsroom', 'signout', 'trash-toggle']) $(id).hidden = false;
  showStatus('Chargement…');
  await storage.load();
  renderLists();
  renderOutbox();
  showStatus('');
  document.body.dataset.ready = 'true';
}

async function signIn(event) {
  event.preventDefault();
  const form = $('signin-form');
  $('signin-error').textContent = '';
  try {
    await storage.signIn(form.elements.username.value, form.elements.password.value);
    await enterNewsroom();
  } catch (error) {
    $('signin-error').textContent = describeError(error);
  }
}

async function start() {
  buildSections();
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', async () => {
    await storage.signOut();
    window.location.reload();
  });
  $('trash-toggle').addEventListener('click', toggleTrash);
  $('editor').querySelector('form').addEventListener('submit', saveEditor);
  $('editor-cancel').addEventListener('click', () => $('editor').close());
  // However the editor closes (saved, cancelled, Escape, conflict), the announcement ends.
  $('editor').addEventListener('close', () => editing?.done?.().catch(() => {}));
  storage.addEventListener('presence', () => renderLists());
  storage.outbox.addEventListener('change', renderOutbox);
  storage.addEventListener('conflict', (event) => settleConflict(event.detail));
  storage.addEventListener('change', (event) => {
    if (!$('trash').hidden && ['DELETE', 'RESTORE'].includes(event.detail.op)) renderTrash().catch(() => {});
  });
  storage.addEventListener('connection', (event) => {
    $('connection-state').textContent = CONNECTION_LABELS[event.detail.state] ?? event.detail.state;
    $('connection-state').dataset.state = event.detail.state;
  });
  storage.addEventListener('error', (event) => showStatus(describeError(event.detail.error), 'error'));
  try {
    if (await storage.init()) await enterNewsroom();
    else $('signin-form').hidden = false;
  } catch (error) {
    showStatus(describeError(error), 'error');
    $('signin-form').hidden = false;
  }
}

start();

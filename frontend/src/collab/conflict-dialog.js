// The dialog that settles a save which met someone else's change on the same fields: both
// values side by side, a choice per field or for all of them. The reference newsroom page opens
// it from its `conflict` listener; the storage opens it itself for an app that has no listener
// (the station's app), so a same-field conflict is never a dead end (docs/contracts.md,
// "The station's app").
//
//   askConflict(detail, {document}) -> Promise<'mine' | 'theirs' | {[path]: 'mine' | 'theirs'}>
//
// `detail` is a SaveConflict's detail ({type, id, mine, theirs, base, conflicts: [{path, mine,
// theirs}]}). When the item was deleted meanwhile (theirs null or a tombstone) the choice is
// 'mine' (recreate my version) or 'theirs' (accept the deletion). Nothing here writes: the
// caller hands the decision to `detail.resolve`.

// Field names as the newsroom says them; other paths (segments[id=seg-3].title ...) are shown as is.
const FIELD_LABELS = {
  title: 'Titre',
  content: 'Texte',
  status: 'Statut',
  category: 'Catégorie',
  scheduledDate: 'Date de diffusion',
  scheduledTime: 'Heure de diffusion',
  lancement: 'Lancement',
  pied: 'Pied',
  duration: 'Durée',
  segments: 'Segments',
  newsIds: 'News du journal',
};

// Legible in a page that has no stylesheet for it (the station's app).
const STYLE = `
dialog.se-conflict { max-width: min(48rem, 95vw); font: 0.95rem/1.4 system-ui, sans-serif; }
dialog.se-conflict h2 { font-size: 1.15rem; margin: 0 0 0.5rem; }
dialog.se-conflict table { border-collapse: collapse; margin: 0.5rem 0; }
dialog.se-conflict th, dialog.se-conflict td { border: 1px solid #ccc; padding: 0.3rem; text-align: left; vertical-align: top; }
dialog.se-conflict pre { margin: 0; white-space: pre-wrap; max-width: 18rem; font: inherit; }
dialog.se-conflict menu { display: flex; gap: 0.5rem; justify-content: flex-end; padding: 0; }
`;

// One dialog at a time per page: a second conflict waits for the first to be settled.
const queues = new WeakMap();
let dialogs = 0;

export function askConflict(detail, { document = globalThis.document } = {}) {
  const answer = (queues.get(document) ?? Promise.resolve()).then(() => showDialog(detail, document));
  queues.set(document, answer.catch(() => {}));
  return answer;
}

const shown = (value) => (value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value, null, 1));
const fieldLabel = (path) => FIELD_LABELS[path] ?? path;

function showDialog(detail, document) {
  const n = (dialogs += 1);
  const make = (tag, attributes = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  };
  addStyle(document);

  const deleted = !detail.theirs || Boolean(detail.theirs.deletedAt);
  const title = detail.mine?.title ?? detail.theirs?.title;
  const subject = title ? `« ${title} »` : 'Cet élément';
  const dialog = make('dialog', {
    class: 'se-conflict',
    'data-testid': 'conflict-dialog',
    'data-variant': deleted ? 'deleted' : 'fields',
    'aria-labelledby': `se-conflict-${n}-title`,
    'aria-describedby': `se-conflict-${n}-help`,
  });
  const heading = make('h2', { id: `se-conflict-${n}-title` },
    `${subject} a été ${deleted ? 'supprimé' : 'modifié'} entre-temps par quelqu'un d'autre`);
  const help = make('p', { id: `se-conflict-${n}-help` }, deleted
    ? "Votre version n'a pas été enregistrée. Vous pouvez la recréer, ou abandonner vos modifications."
    : "Votre version n'a pas été enregistrée et rien n'a été écrasé. Choisissez, champ par champ, la version à garder.");

  // Each conflicting field: its two values, and a radio per side (mine chosen at first).
  const choices = (deleted ? [] : detail.conflicts).map((field, index) => {
    const name = `se-conflict-${n}-${index}`;
    const side = (which, label, value) => {
      const input = make('input', {
        type: 'radio', name, value: which, 'data-testid': `conflict-choose-${which}`,
        'aria-label': `${label} : ${fieldLabel(field.path)}`,
      });
      input.checked = which === 'mine';
      return { input, cell: make('td', { class: which }, make('label', {}, input, make('pre', {}, shown(value)))) };
    };
    const mine = side('mine', 'Garder ma version', field.mine);
    const theirs = side('theirs', 'Garder leur version', field.theirs);
    const row = make('tr', { 'data-testid': 'conflict-field', 'data-path': field.path },
      make('th', { scope: 'row' }, fieldLabel(field.path)), mine.cell, theirs.cell);
    return { path: field.path, row, mine: mine.input };
  });

  return new Promise((resolve) => {
    let decided = false;
    const decide = (decision) => {
      decided = true;
      dialog.close();
      dialog.remove();
      resolve(decision);
    };
    const button = (testId, label, decision) => {
      const node = make('button', { type: 'button', 'data-testid': testId }, label);
      node.addEventListener('click', () => decide(typeof decision === 'function' ? decision() : decision));
      return node;
    };
    const buttons = deleted
      ? [button('conflict-keep-theirs', 'Abandonner', 'theirs'), button('conflict-keep-mine', 'Recréer ma version', 'mine')]
      : [
          button('conflict-keep-theirs', 'Garder la leur partout', 'theirs'),
          button('conflict-keep-mine', 'Garder la mienne partout', 'mine'),
          button('conflict-apply', 'Appliquer mes choix', () =>
            Object.fromEntries(choices.map((choice) => [choice.path, choice.mine.checked ? 'mine' : 'theirs']))),
        ];
    const table = deleted
      ? []
      : [make('table', {},
          make('thead', {}, make('tr', {}, make('th', { scope: 'col' }, 'Champ'), make('th', { scope: 'col' }, 'Ma version'), make('th', { scope: 'col' }, 'Leur version'))),
          make('tbody', { 'data-testid': 'conflict-fields' }, ...choices.map((choice) => choice.row)))];
    dialog.append(heading, help, ...table, make('menu', {}, ...buttons));

    // The save waits for this answer: Escape does not dismiss the question.
    dialog.addEventListener('cancel', (event) => event.preventDefault());
    dialog.addEventListener('close', () => {
      if (!decided) dialog.showModal();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

function addStyle(document) {
  if (document.querySelector('style[data-owner="se-conflict"]')) return;
  const style = document.createElement('style');
  style.setAttribute('data-owner', 'se-conflict');
  style.textContent = STYLE;
  document.head.append(style);
}

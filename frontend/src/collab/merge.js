// Three-way merge of a newsroom item, used when a save meets a ConflictError.
//
// Last-writer-wins loses work when two journalists edit one conductor minutes before air. With
// the version the editor started from (base), their copy (mine) and the server's (theirs), every
// field changed on one side only is taken from that side; only a field changed differently on
// both sides is a conflict for the user to decide.
//
//   threeWayMerge(base, mine, theirs, choices?) -> {merged, conflicts, sides}
//     merged     the item to save (with theirs' version, so the save passes the version check)
//     conflicts  [{path, base, mine, theirs}]; `merged` holds theirs' value there until decided
//     sides      {base, mine, theirs}: what applyResolution needs to redo the merge
//   applyResolution(result, choices) -> the merged item with the user's choices applied
//     choices    {[path]: 'mine' | 'theirs' | 'base' | {value}}; an unlisted conflict keeps theirs
//
// Rules
// - Server fields (version, createdAt, updatedAt, ownerId, updatedBy, deletedAt) come from theirs.
// - The same change on both sides is not a conflict.
// - Nested objects merge field by field (path `a.b`).
// - Keyed lists merge element by element: arrays of objects that all have a distinct `id`
//   (conductor `segments`, block `items`) and arrays of distinct strings (journal `newsIds`).
//   Paths name the element by id: `segments[id=seg-3].title`.
//   * Inserts and deletes of different elements combine; an element deleted on one side and
//     edited on the other is a conflict at `segments[id=seg-3]` (absent side: undefined).
//   * The same element edited on both sides merges field by field: different fields combine,
//     the same field changed differently is a conflict.
//   * Order: theirs' order, with my moves and inserts applied. An element of mine counts as
//     moved when it is not on the longest common subsequence of base's and mine's orders; each
//     of my moved or inserted elements goes right after the element that precedes it in mine
//     (or first). If both sides moved the same element, my move wins (I am the one saving).
//   * A numeric `order` field of the elements is their position: it is not merged but
//     renumbered from the merged order, starting at the smallest `order` of any side
//     (0 or 1, whichever the app uses).
// - Any other array is one value (changed on both sides differently → conflict).
// - Absence is a value: a field removed on one side and untouched on the other is removed.

export const SERVER_FIELDS = ['version', 'createdAt', 'updatedAt', 'ownerId', 'updatedBy', 'deletedAt'];

export function threeWayMerge(base, mine, theirs, choices = {}) {
  const conflicts = [];
  const context = { choices, conflicts };
  const merged = mergeObjects(base ?? {}, mine ?? {}, theirs ?? {}, '', context, SERVER_FIELDS);
  for (const field of SERVER_FIELDS) {
    if (theirs && theirs[field] !== undefined) merged[field] = theirs[field];
    else delete merged[field];
  }
  return { merged, conflicts, sides: { base, mine, theirs } };
}

export function applyResolution(result, choices) {
  const { base, mine, theirs } = result.sides;
  return threeWayMerge(base, mine, theirs, choices).merged;
}

export function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((value, i) => deepEqual(value, b[i]));
  const keys = Object.keys(a).filter((key) => a[key] !== undefined);
  const otherKeys = Object.keys(b).filter((key) => b[key] !== undefined);
  return keys.length === otherKeys.length && keys.every((key) => deepEqual(a[key], b[key]));
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function joinPath(path, key) {
  return path ? `${path}.${key}` : key;
}

// One value seen from the three sides; returns the merged value (undefined = absent).
function mergeValues(b, m, t, path, context) {
  if (deepEqual(m, b)) return t;
  if (deepEqual(t, b) || deepEqual(m, t)) return m;
  if (isPlainObject(m) && isPlainObject(t) && (b === undefined || isPlainObject(b))) {
    return mergeObjects(b ?? {}, m, t, path, context);
  }
  const keyed = keyedList(b ?? [], m, t);
  if (keyed) return mergeKeyedLists(b ?? [], m, t, keyed, path, context);
  return conflict(b, m, t, path, context);
}

// Records a conflict and returns the value to keep: the user's choice, else theirs.
function conflict(b, m, t, path, { choices, conflicts }) {
  conflicts.push({ path, base: b, mine: m, theirs: t });
  const choice = choices[path];
  if (choice === 'mine') return m;
  if (choice === 'base') return b;
  if (isPlainObject(choice) && 'value' in choice) return choice.value;
  return t;
}

function mergeObjects(b, m, t, path, context, skip = []) {
  const merged = {};
  const keys = new Set([...Object.keys(b), ...Object.keys(m), ...Object.keys(t)]);
  for (const key of keys) {
    if (skip.includes(key)) continue;
    const value = mergeValues(b[key], m[key], t[key], joinPath(path, key), context);
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

// The key function of a list whose elements are identified by id, or null for a plain array.
function keyedList(...lists) {
  if (!lists.every(Array.isArray)) return null;
  const all = lists.flat();
  if (all.length === 0) return null;
  let keyOf;
  if (all.every((e) => isPlainObject(e) && (typeof e.id === 'string' || typeof e.id === 'number'))) {
    keyOf = (e) => String(e.id);
  } else if (all.every((e) => typeof e === 'string')) {
    keyOf = (e) => e;
  } else {
    return null;
  }
  const distinct = lists.every((list) => new Set(list.map(keyOf)).size === list.length);
  return distinct ? keyOf : null;
}

function mergeKeyedLists(b, m, t, keyOf, path, context) {
  const byKey = (list) => new Map(list.map((e) => [keyOf(e), e]));
  const [baseMap, mineMap, theirsMap] = [byKey(b), byKey(m), byKey(t)];
  const hasOrder = [...m, ...t].some((e) => isPlainObject(e) && typeof e.order === 'number');
  // A numeric `order` is the element's position, renumbered below: comparing it would turn
  // every segment shifted by a move into an edit.
  const positional = (e) => {
    if (!hasOrder || !isPlainObject(e)) return e;
    const { order: position, ...fields } = e;
    return fields;
  };
  const elements = new Map();
  for (const key of new Set([...baseMap.keys(), ...mineMap.keys(), ...theirsMap.keys()])) {
    const elementPath = `${path}[id=${key}]`;
    const [eb, em, et] = [baseMap.get(key), mineMap.get(key), theirsMap.get(key)];
    const value = mergeValues(positional(eb), positional(em), positional(et), elementPath, context);
    if (value !== undefined) elements.set(key, value);
  }
  const order = mergedOrder(b.map(keyOf), m.map(keyOf), t.map(keyOf), elements);
  const list = order.map((key) => elements.get(key));
  if (!hasOrder) return list;
  const start = firstOrder([...b, ...m, ...t]) ?? 0;
  return list.map((e, i) => ({ ...e, order: start + i }));
}

function firstOrder(list) {
  const numbers = list.map((e) => e?.order).filter((n) => typeof n === 'number');
  return numbers.length ? Math.min(...numbers) : undefined;
}

// Theirs' order of the surviving elements, with my moves and inserts applied (see the rules).
function mergedOrder(baseKeys, mineKeys, theirsKeys, elements) {
  const [inBase, inMine, inTheirs] = [new Set(baseKeys), new Set(mineKeys), new Set(theirsKeys)];
  const kept = new Set(longestCommonSubsequence(baseKeys.filter((k) => inMine.has(k)),
    mineKeys.filter((k) => inBase.has(k))));
  // Mine's elements to place: moved or inserted by me, or deleted by theirs but kept by a choice.
  const toPlace = mineKeys.filter((k) => elements.has(k) && (!kept.has(k) || !inTheirs.has(k)));
  const placing = new Set(toPlace);
  const order = theirsKeys.filter((k) => elements.has(k) && !placing.has(k));
  for (const key of toPlace) {
    const before = mineKeys.slice(0, mineKeys.indexOf(key));
    const predecessor = before.reverse().find((k) => order.includes(k));
    order.splice(predecessor === undefined ? 0 : order.indexOf(predecessor) + 1, 0, key);
  }
  return order;
}

function longestCommonSubsequence(a, b) {
  const lengths = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lengths[i][j] = a[i] === b[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const common = [];
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i] === b[j]) { common.push(a[i]); i += 1; j += 1; } else if (lengths[i + 1][j] >= lengths[i][j + 1]) i += 1;
    else j += 1;
  }
  return common;
}

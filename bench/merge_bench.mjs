// Merge time of a 200-segment conductor (run by bench/collab.py; prints one JSON line).
// Two journalists edited the same rundown: each edited, moved, inserted and deleted different
// segments. Baseline: last-writer-wins, i.e. taking my copy whole with the server's version.
import { threeWayMerge } from '../frontend/src/collab/merge.js';

const SEGMENTS = 200;
const RUNS = Number(process.argv[2] ?? 2000);

const segment = (i) => ({ id: `seg-${i}`, type: i % 5 ? 'news' : 'jingle', title: `Segment ${i}`, content: `news-${1000 + i}`, duration: 30 + (i % 90), order: i });
const base = { id: 'conductor-1763452800000', title: 'Matinale du 18/11', scheduledDate: '2025-11-18', version: 12, segments: Array.from({ length: SEGMENTS }, (_, i) => segment(i)) };

const mine = structuredClone(base);
for (let i = 0; i < 10; i += 1) mine.segments[i * 7].title += ' (relu)';
for (let i = 0; i < 5; i += 1) mine.segments.splice(20 * i, 0, ...mine.segments.splice(150 + i, 1));
mine.segments.splice(60, 0, { id: 'seg-m1', type: 'live', title: 'Duplex', duration: 120 });
mine.segments.forEach((s, i) => { s.order = i; });

const theirs = { ...structuredClone(base), version: 13, updatedBy: 'sub-simon' };
for (let i = 0; i < 10; i += 1) theirs.segments[i * 7 + 3].duration += 15;
theirs.segments.splice(100, 3);
theirs.segments.splice(40, 0, { id: 'seg-t1', type: 'pub', title: 'Pub', duration: 90 });
theirs.segments.forEach((s, i) => { s.order = i; });

function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(run) {
  for (let i = 0; i < 50; i += 1) run(); // warm up the JIT
  const samples = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

const check = threeWayMerge(base, mine, theirs);
if (check.conflicts.length || check.merged.segments.length !== SEGMENTS + 2 - 3) {
  throw new Error(`unexpected merge: ${check.conflicts.length} conflicts, ${check.merged.segments.length} segments`);
}
const mergeMs = time(() => threeWayMerge(base, mine, theirs));
const lastWriterWinsMs = time(() => ({ ...structuredClone(mine), version: theirs.version }));
console.log(JSON.stringify({ segments: SEGMENTS, runs: RUNS, mergeMs, lastWriterWinsMs }));

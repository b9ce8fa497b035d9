/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function and
 * by package, and inclusive time of the functions whose name matches a filter.
 *
 *   npx tsx bench/lib/profile-summary.ts <file.cpuprofile> [top=25] [filter regex]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, filter] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top] [filter]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(topArg ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const self = new Map<number, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

const label = (n: Node) => {
  const url = n.callFrame.url
    .replace(/^.*node_modules\//, '')
    .replace(/^file:\/\/.*\/(src|bench)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
};
const pkg = (n: Node) => {
  const url = n.callFrame.url;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1] as string;
  if (/\/src\//.test(url)) return `lovage ${url.replace(/^.*\/src\//, 'src/')}`;
  if (url.startsWith('node:')) return url;
  return url ? url.replace(/^.*\//, '') : `(${n.callFrame.functionName || 'native'})`;
};

const selfByLabel = new Map<string, number>();
const selfByPkg = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id) as Node;
  selfByLabel.set(label(n), (selfByLabel.get(label(n)) ?? 0) + t);
  selfByPkg.set(pkg(n), (selfByPkg.get(pkg(n)) ?? 0) + t);
}
const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${pct(t)}  ${k}`);
};
print('self time by function', selfByLabel);
print('self time by package / file', selfByPkg);

if (filter) {
  // Inclusive time: every sample counts once for each distinct matching frame on its stack.
  const re = new RegExp(filter);
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur) as Node);
      if (re.test(l) && !seen.has(l)) {
        seen.add(l);
        inclusive.set(l, (inclusive.get(l) ?? 0) + dt);
      }
    }
  });
  print(`inclusive time of functions matching /${filter}/`, inclusive);
}

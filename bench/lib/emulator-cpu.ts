/**
 * CPU time of a local MiniStack and the function processes it runs, read from /proc: the
 * server started by `npm run local:up` leads its own process group, and every function
 * process it spawns (`node .../ministack-lambda-<function>-<suffix>/_worker.js`) is in that
 * group. Two snapshots around a burst say where its CPU went: the emulator's own Python
 * process, or which function. Linux only; elsewhere, or for an emulator the scripts did not
 * start, there is nothing to read and the snapshots are empty.
 *
 * @example
 * const before = emulatorCpu();
 * await burst();
 * console.log(cpuSince(before)); // Map { 'emulator' => 12.3, 'Lovage-diagnosticsworker…' => 4.5 }
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOVAGE_DIR, readJson } from '../../scripts/lib/project.js';

/** CPU seconds by process, keyed by pid, with the label it is reported under. */
export type CpuSnapshot = Map<number, { label: string; seconds: number }>;

let ticksPerSecond: number | undefined;

/** The CPU seconds (user + system) of every process in the local emulator's process group. */
export function emulatorCpu(): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  const group = readJson<{ kind: string; pid: number }>(join(LOVAGE_DIR, 'emulator.json'));
  if (group?.kind !== 'ministack' || process.platform !== 'linux') return snapshot;
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== group.pid) continue;
      const ticks = Number(fields[11]) + Number(fields[12]);
      const pid = Number(entry);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const fn = /ministack-lambda-(.+)-[a-z0-9_]{8}\/_worker\.js/.exec(cmdline)?.[1];
      const label = pid === group.pid ? 'emulator (MiniStack)' : (fn ?? 'other');
      snapshot.set(pid, { label, seconds: ticks / ticksPerSecond });
    } catch {
      // The process ended while we looked.
    }
  }
  return snapshot;
}

/** CPU seconds used since `before`, by label (processes started since count from zero). */
export function cpuSince(before: CpuSnapshot): Map<string, number> {
  const used = new Map<string, number>();
  for (const [pid, { label, seconds }] of emulatorCpu()) {
    const delta = seconds - (before.get(pid)?.seconds ?? 0);
    used.set(label, (used.get(label) ?? 0) + delta);
  }
  return used;
}

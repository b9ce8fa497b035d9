import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Prometheus text parsed by the Prometheus project's own parser
 * (`prometheus_client.parser` from PyPI), never by regexes. The npm parsers
 * (parse-prometheus-text-format, exposition) lose the labels, `_sum` and
 * `_count` of labelled histograms (parse-prometheus-text-format issue #13,
 * open since 2020), so they cannot check `lovage_task_duration_seconds{task}`.
 * The client is installed once into `.lovage/prometheus-venv`, next to the
 * emulator's venv; Python 3 is already needed for the emulator.
 */
export const PROMETHEUS_CLIENT_VERSION = '0.26.0';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VENV = join(ROOT, '.lovage', 'prometheus-venv');
const PYTHON = join(VENV, 'bin', 'python');

const PARSE = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": family.name, "type": family.type, "samples": [
        {"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples]})
print(json.dumps(out))
`;

function ensureClient(): void {
  const probe = `import importlib.metadata as m; print(m.version("prometheus-client"))`;
  if (existsSync(PYTHON)) {
    try {
      if (
        execFileSync(PYTHON, ['-c', probe], { encoding: 'utf8' }).trim() ===
        PROMETHEUS_CLIENT_VERSION
      )
        return;
    } catch {
      // Not installed yet: install below.
    }
  } else {
    execFileSync(process.env.LOVAGE_PYTHON?.trim() || 'python3', ['-m', 'venv', VENV]);
  }
  execFileSync(PYTHON, [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `prometheus-client==${PROMETHEUS_CLIENT_VERSION}`,
  ]);
}

export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}
export interface PrometheusFamily {
  readonly name: string;
  /** `counter`, `gauge`, `histogram`, ... (a counter's family name drops `_total`). */
  readonly type: string;
  readonly samples: readonly PrometheusSample[];
}

export function parseMetrics(text: string): PrometheusFamily[] {
  ensureClient();
  return JSON.parse(
    execFileSync(PYTHON, ['-c', PARSE], { input: text, encoding: 'utf8' }),
  ) as PrometheusFamily[];
}

/** The value of the sample `name` with (at least) these labels; 0 when there is none. */
export function sample(
  families: readonly PrometheusFamily[],
  name: string,
  labels: Readonly<Record<string, string>>,
): number {
  for (const family of families) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        return s.value;
    }
  }
  return 0;
}

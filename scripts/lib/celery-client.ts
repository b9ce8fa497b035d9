/**
 * Python Celery clients (PyPI `celery`, BSD) in project-local virtualenvs, for the
 * integration tests and the Celery bench: the pinned release Lovage is built against,
 * and the newest 5.x, because the result key layout Lovage writes is a Celery quirk
 * (celery/celery#5455) that a release could change.
 */

import { existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LovageError } from '../../src/errors.js';
import { capture } from './proc.js';
import { elapsed, LOVAGE_DIR, PROJECT_ROOT, readJson, writeJson } from './project.js';

/** The release the SPEC was captured from, with everything it pulls in pinned. */
const CELERY_5_7 = [
  'celery==5.7.0',
  'kombu==5.7.0',
  'billiard==4.3.2',
  'amqp==5.4.2',
  'vine==5.1.0',
  'boto3==1.44.8',
  'botocore==1.44.8',
  's3transfer==0.19.3',
  'urllib3==2.8.0',
  'python-dateutil==2.9.0.post0',
  'click==8.5.1',
  'tzlocal==5.4.5',
] as const;

/** Which Celery a virtualenv holds. */
export const CELERY_CLIENTS = {
  '5.7': CELERY_5_7,
  /**
   * The same Celery with redis-py and packaging (what `celery[redis]` 5.7.0 adds), for the
   * benches' Celery + Redis side: a Redis broker and result backend, a prefork worker.
   */
  '5.7-redis': [...CELERY_5_7, 'redis==8.1.0', 'packaging==26.3'],
  /**
   * Whatever 5.x PyPI has today (re-resolved once a week, or with
   * LOVAGE_CELERY_REFRESH=1). kombu's SQS transport needs boto3 and urllib3;
   * the `sqs` extra would also build pycurl, which only kombu's consumer uses.
   */
  latest: ['celery>=5,<6', 'kombu>=5,<6', 'boto3', 'urllib3'],
} as const;
export type CeleryClientName = keyof typeof CELERY_CLIENTS;

/** How long the `latest` virtualenv is trusted before it is re-resolved. */
const LATEST_MAX_AGE_MS = 7 * 86_400_000;
/** Celery 5.5+ declares `Requires-Python >=3.9`. */
const MIN_PYTHON: readonly [number, number] = [3, 9];

export class CeleryClientError extends LovageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CeleryClientError';
  }
}

/** A ready virtualenv: its python and the Celery version in it. */
export interface CeleryClient {
  readonly name: CeleryClientName;
  readonly python: string;
  readonly celery: string;
}

interface InstallRecord {
  readonly requirements: readonly string[];
  readonly installedAt: string;
  readonly celery: string;
}

/**
 * Installs the client `name` into `.lovage/celery-<name>-venv` unless the same
 * requirements are already there (for `latest`: installed within the last week), and
 * resolves with its python. The base interpreter is `LOVAGE_PYTHON`, default `python3`.
 */
export async function ensureCeleryClient(
  name: CeleryClientName,
  log: (message: string) => void = () => {},
): Promise<CeleryClient> {
  const venv = join(LOVAGE_DIR, `celery-${name}-venv`);
  const python = join(venv, 'bin', 'python');
  const recordPath = join(venv, 'lovage-install.json');
  const requirements = CELERY_CLIENTS[name];
  const record = readJson<InstallRecord>(recordPath);
  const stale =
    name === 'latest' &&
    (process.env.LOVAGE_CELERY_REFRESH === '1' ||
      Date.now() - Date.parse(record?.installedAt ?? '') > LATEST_MAX_AGE_MS);
  if (
    record &&
    existsSync(python) &&
    JSON.stringify(record.requirements) === JSON.stringify(requirements) &&
    !stale
  ) {
    return { name, python, celery: record.celery };
  }

  const started = Date.now();
  rmSync(venv, { recursive: true, force: true });
  const base = await basePython();
  log(`creating ${relative(PROJECT_ROOT, venv)} with ${base}`);
  const created = await capture(base, ['-m', 'venv', venv]);
  if (created.code !== 0) {
    throw new CeleryClientError(
      `\`${base} -m venv ${venv}\` failed (exit ${created.code}); on Debian/Ubuntu install python3-venv.\n${tail(created.stderr || created.stdout)}`,
    );
  }
  log(`installing ${requirements.join(' ')} from PyPI`);
  const pip = await capture(python, [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--quiet',
    ...requirements,
  ]);
  if (pip.code !== 0) {
    throw new CeleryClientError(
      `pip could not install the ${name} Celery client (exit ${pip.code}):\n${tail(pip.stderr || pip.stdout)}`,
    );
  }
  const version = await capture(python, ['-c', 'import celery; print(celery.__version__)']);
  const celery = version.stdout.trim();
  if (version.code !== 0 || !celery.startsWith('5.')) {
    throw new CeleryClientError(
      `the ${name} virtualenv has no Celery 5 (got '${celery}'): ${tail(version.stderr)}`,
    );
  }
  writeJson(recordPath, { requirements, installedAt: new Date().toISOString(), celery });
  log(`installed Celery ${celery} (${elapsed(started)})`);
  return { name, python, celery };
}

async function basePython(): Promise<string> {
  const base = process.env.LOVAGE_PYTHON?.trim() || 'python3';
  const probe = await capture(base, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  const [major = 0, minor = 0] = probe.stdout.trim().split('.').map(Number);
  if (
    probe.code !== 0 ||
    major < MIN_PYTHON[0] ||
    (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])
  ) {
    throw new CeleryClientError(
      `the Celery client needs Python ${MIN_PYTHON.join('.')}+; \`${base}\` is ${probe.stdout.trim() || 'not runnable'}. Set LOVAGE_PYTHON to a newer interpreter.`,
    );
  }
  return base;
}

function tail(text: string, count = 20): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { diagnostics } from '../../src/catalog/categories/diagnostics.js';
import { logs } from '../../src/catalog/categories/logs.js';
import { categoryCatalog } from '../../src/catalog/category-catalog.js';
import { WORKER_ENV } from '../../src/protocol/env.js';
import { createWorker, type TaskContext } from '../../src/runtime/index.js';
import { badResult, crash, fail, flaky, hang, ping, stubborn } from './drills.js';
import { journaled, writeJournal } from './journal.js';
import { work } from './work.js';
import { add, collect, noteFailure, retryLater, spawn } from './workflow-drills.js';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const journal = (ctx: TaskContext) => writeJournal(db, process.env[WORKER_ENV.table] ?? '', ctx);

/**
 * Drill and canary tasks for checking a deployment end to end, the way
 * `celery inspect ping` does, and for drilling failures (crash, hang, a
 * soft limit ignored, a result that cannot be stored). They call no AWS
 * service but the task table.
 */
export const handler = createWorker(
  categoryCatalog('diagnostics', diagnostics, { logs }),
  'diagnostics',
  {
    'diagnostics.ping': journaled(journal, ping),
    'diagnostics.ping_untracked': journaled(journal, ping),
    'diagnostics.ping_ignored': journaled(journal, ping),
    'diagnostics.flaky': journaled(journal, flaky),
    'diagnostics.work': work,
    'diagnostics.fail': fail,
    'diagnostics.crash': journaled(journal, (args, ctx) => crash(args, ctx)),
    'diagnostics.hang': journaled(journal, hang),
    'diagnostics.stubborn': journaled(journal, stubborn),
    'diagnostics.bad_result': journaled(journal, badResult),
    'diagnostics.add': journaled(journal, add),
    'diagnostics.collect': journaled(journal, collect),
    'diagnostics.spawn': journaled(journal, spawn),
    'diagnostics.note_failure': journaled(journal, noteFailure),
    'diagnostics.retry_later': journaled(journal, retryLater),
  },
);

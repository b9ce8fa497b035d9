import { logs } from '../../src/catalog/categories/logs.js';
import { categoryCatalog } from '../../src/catalog/category-catalog.js';
import { WORKLOAD_ENV } from '../../src/protocol/workload.js';
import { createWorker } from '../../src/runtime/index.js';
import { requireEnv } from '../shared/env.js';
import { s3Client } from '../shared/s3.js';
import { analyze, embed, generate, type LogStores, processFile } from './pipeline.js';

const s3 = s3Client();
const stores = (): LogStores => ({ s3, bucket: requireEnv(WORKLOAD_ENV.dataBucket) });

/**
 * The log-analytics pipeline: `process_file` parses a JSON-lines log file from the data
 * bucket, `embed` computes feature-hashing vectors for its messages, `analyze` writes a report
 * of levels, sources and error rates. Run as a chain per file, a group over files, or a chord
 * that builds the day's report from every file; `generate` writes sample files.
 */
export const handler = createWorker(categoryCatalog('logs', logs), 'logs', {
  'logs.generate': (args) => generate(stores(), args),
  'logs.process_file': (args) => processFile(stores(), args),
  'logs.embed': (args) => embed(stores(), args),
  'logs.analyze': (args, ctx) => analyze(stores(), args, ctx.id),
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Synthesizing the stack bundles the workers with esbuild; on a busy
          // two-core machine that takes longer than the 10 s default, and a
          // beforeAll that synthesizes two stacks took 132 s at a load of 17.
          testTimeout: 60_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          // One deployed stack is shared: files run one after another so that
          // queue and table assertions never race another file's traffic.
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/count-floor-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['test/unit/**/*.test.ts', 'test/fuzz/**/*.fuzz.test.ts', 'test/arch/**/*.test.ts', 'test/contract/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          // Runs after the unit project; its own worker limit keeps dockerd responsive.
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.int.test.ts'],
          environment: 'node',
          pool: 'forks',
          // Docker-heavy files share one engine; two at a time keeps a 2-core machine responsive.
          maxWorkers: 2,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});

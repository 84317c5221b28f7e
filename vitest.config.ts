import react from '@vitejs/plugin-react';
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
          exclude: ['test/unit/renderer/**', '**/node_modules/**'],
          environment: 'node',
        },
      },
      {
        // React components and renderer stores, in a DOM.
        plugins: [react()],
        test: {
          name: 'renderer',
          sequence: { groupOrder: 0 },
          include: ['test/unit/renderer/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
        },
      },
      {
        test: {
          name: 'integration',
          // Runs after the unit project; its own worker limit keeps dockerd responsive.
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.int.test.ts', 'test/e2e/**/*.e2e.test.ts', 'test/packaging/**/*.int.test.ts'],
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

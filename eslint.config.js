// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const tlsOff = [
  { selector: "Property[key.name='rejectUnauthorized'][value.value=false]", message: 'TLS verification must stay on (use a test CA).' },
  { selector: "Literal[value='NODE_TLS_REJECT_UNAUTHORIZED']", message: 'TLS verification must stay on.' },
  { selector: "Property[key.name='checkServerIdentity'] > ArrowFunctionExpression[body.type='Identifier'][body.name='undefined']", message: 'Hostname checks must stay on.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'renderer/dist/**', 'test/images/.build/**', 'bench/results/**', 'test/images/rootfs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', ...tlsOff],
      'no-restricted-properties': ['error', { object: 'describe', property: 'only' }, { object: 'it', property: 'only' }, { object: 'test', property: 'only' }],
    },
  },
  {
    files: ['electron/**/*.ts', 'shared/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only electron/shell and electron/preload may import electron.' }] }],
    },
  },
  {
    // The thin Electron layer: the only code that may import electron.
    files: ['electron/shell/**/*.ts', 'electron/preload/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'electron', '../electron/*', '../../electron/*'], message: 'shared/ depends only on zod and shared/.' }] }],
    },
  },
  {
    // The renderer runs in a browser page: DOM globals, no Node, never electron/ (ENGINEERING §B).
    files: ['renderer/**/*.{ts,tsx}', 'test/unit/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'electron', '**/electron/*'], message: 'The renderer talks only through the typed API (shared/api).' }] }],
    },
  },
  {
    // The one documented exception to "TLS verification always on": the runtime's self-signed certificate (trust on first use).
    // The bench's CLI baseline polls the same runtime the same way, before any pin exists.
    files: ['electron/workers/orchestrator/runtime/tls-pin.ts', 'bench/common.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);

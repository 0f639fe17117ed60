// Flat config: typescript-eslint's recommended rules, plus the project's import boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', performance: 'readonly', fetch: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', Response: 'readonly', Request: 'readonly', Headers: 'readonly', FormData: 'readonly', Blob: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The web view's browser modules (plain ESM served as is, src/web).
    files: ['assets/web/**/*.js'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', location: 'readonly', history: 'readonly', ResizeObserver: 'readonly', URLSearchParams: 'readonly', getComputedStyle: 'readonly', requestAnimationFrame: 'readonly' },
    },
  },
  {
    // src/analysis is pure: no I/O, nothing from the rest of src/.
    files: ['src/analysis/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'worker_threads', 'child_process'], message: 'src/analysis is pure: no I/O modules.' },
          { group: ['../*', '!../analysis/*'], message: 'src/analysis imports nothing from the rest of src/.' },
        ],
      }],
      'no-restricted-globals': ['error', { name: 'Date', message: 'src/analysis is deterministic: pass time in.' }, { name: 'process', message: 'src/analysis is pure.' }],
    },
  },
  {
    // Commands are platform-free.
    files: ['commands/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['discord.js', 'grammy'], patterns: [{ group: ['**/platforms/**'], message: 'commands/ never import a platform adapter.' }] }],
    },
  },
  {
    files: ['src/platforms/discord/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['grammy'], patterns: [{ group: ['**/platforms/telegram/**'], message: 'Discord and Telegram never import each other.' }] }] },
  },
  {
    files: ['src/platforms/telegram/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['discord.js'], patterns: [{ group: ['**/platforms/discord/**'], message: 'Discord and Telegram never import each other.' }] }] },
  },
);

// ESLint flat config: type-aware rules plus import zones that keep the module
// boundaries of docs/ARCHITECTURE.md true (sip and media are leaves over shared, ...).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Forbid imports of the named top-level modules from files in one zone. */
function zone(files, forbidden, why) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((m) => ({
            group: [`**/${m}/*`, `**/${m}/index.js`, `../${m}`, `../../${m}`],
            message: `${why} (see docs/ARCHITECTURE.md, import rules)`,
          })),
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'web/dist/', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  zone(['src/shared/**'], ['sip', 'media', 'voicemail', 'store', 'notify', 'http', 'cli', 'config'], 'shared is a leaf'),
  zone(['src/sip/**'], ['media', 'voicemail', 'store', 'notify', 'http', 'cli', 'config'], 'sip knows nothing of media or voicemail'),
  zone(['src/media/**'], ['sip', 'voicemail', 'store', 'notify', 'http', 'cli', 'config'], 'media knows nothing of SIP or voicemail'),
  {
    // The domain sees the SIP stack and the media engine only through their public index.ts.
    files: ['src/voicemail/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...['store', 'notify', 'http', 'cli', 'config', 'compose'].map((m) => ({
              group: [`**/${m}/*`, `**/${m}/index.js`, `../${m}`, `../../${m}`],
              message: 'voicemail is the domain: storage and channels plug in through ports.ts (see docs/ARCHITECTURE.md, import rules)',
            })),
            {
              group: ['**/sip/*', '**/media/*', '!**/sip/index.js', '!**/media/index.js'],
              message: 'import sip and media through their index.ts (see docs/ARCHITECTURE.md, import rules)',
            },
          ],
        },
      ],
    },
  },
  zone(['src/store/**'], ['sip', 'media', 'notify', 'http', 'cli', 'config', 'compose'], 'store implements voicemail ports only'),
  zone(['src/http/**'], ['sip', 'media', 'store', 'notify', 'cli', 'config', 'compose'], 'http calls voicemail only'),
  zone(['src/config/**'], ['sip', 'media', 'voicemail', 'store', 'notify', 'http', 'cli'], 'config is read by the composition root only'),
  {
    // The web app runs in the browser (its Vite config and tests run in Node).
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The browser app knows the server only through the HTTP API (its types are declared in web/src/api/).
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/src/**'], message: 'web talks to the server over /api/v1 only (see docs/ARCHITECTURE.md, import rules)' }] }],
    },
  },
  {
    files: ['web/vite.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src/cli/**', 'test/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
    },
  },
);

import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'schema/**', '__fixtures__/**', 'bench/out/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@actions/*'], message: 'Only the Action shell (src/main.ts, src/action/) imports @actions/*.' }] },
      ],
    },
  },
  {
    files: ['src/main.ts', 'src/index.ts', 'src/action/**/*.ts', '__tests__/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The pure core and the parsers: no file system, no network, no GitHub client. File and network IO live in src/io/
    // (behind small ports: PolicyReader, ByteSource …), GitHub in src/github/, ledger stores beside the ledger.
    files: [
      'src/ingest/**/*.ts',
      'src/policy/**/*.ts',
      'src/rate/**/*.ts',
      'src/gate/**/*.ts',
      'src/exceptions/**/*.ts',
      'src/ledger/**/*.ts',
      'src/metrics/**/*.ts',
      'src/report/**/*.ts',
      'src/enrich/**/*.ts',
    ],
    ignores: ['src/ledger/file-store.ts', 'src/ledger/file-lock.ts', 'src/ledger/branch-store.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'fs',
            'node:fs',
            'fs/promises',
            'node:fs/promises',
            'http',
            'node:http',
            'https',
            'node:https',
            'http2',
            'node:http2',
            'net',
            'node:net',
            'undici',
          ].map((name) => ({ name, message: 'File and network IO belong in src/io/ (or a ledger store): pass the data or a port in.' })),
          patterns: [
            { group: ['@actions/*'], message: 'Only the Action shell (src/main.ts, src/action/) imports @actions/*.' },
            {
              group: ['@octokit/*', '**/github/*', '**/io/*'],
              message: 'The core does not call GitHub or the IO layer: the shells pass data (or a port) in.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'Network IO belongs in src/io/ or src/github/.' }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', performance: 'readonly' },
    },
    // typescript-eslint's recommended set leaves no-undef to the compiler, which does not read these files.
    rules: { 'no-undef': 'error' },
  },
);

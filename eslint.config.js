// ESLint: the recommended rules, with typescript-eslint's type-aware ones, which catch what
// review misses in an async engine (a promise nobody awaits, a value computed and dropped).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'bench/results/', 'test-results/', '**/__screenshots__/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.browser, ...globals.node },
    },
    // Prettier wraps code at 140 columns; comments and strings it leaves to us.
    rules: { 'max-len': ['error', { code: 140, ignoreUrls: true }] },
  },
  {
    // The tests read what the commands print and write (JSON) and poke at results field by
    // field: `any` is what they inspect there.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
);

// Type-aware lint (typescript-eslint), `npm run lint`, run by CI (.ci/run) beside the typecheck.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'build/**', '.fieldline-data/**', 'types/**', '*.config.*'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // IPC handlers, stores and migration providers implement Promise-returning contracts; an
      // implementation with nothing to wait for is still one.
      '@typescript-eslint/require-await': 'off',
      // Kysely hands its expression builder's functions to callbacks to be destructured
      // (`({ eb, exists, selectFrom }) => …`); they do not use `this`.
      '@typescript-eslint/unbound-method': 'off',
      // `_name` marks a binding kept on purpose (a rest sibling left out, a parameter the signature needs).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests and the bench read raw answers to compare them; what the product reads is parsed by zod.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);

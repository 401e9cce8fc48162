// ESLint flat config: type-aware rules from typescript-eslint, plus the import direction of
// STYLE.md enforced with no-restricted-imports (core <- store/engine <- services <- api/cli).
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

/** Layers a folder must not import from, innermost first. */
const forbidden = {
  "src/core/**": ["store", "engine", "services", "api", "cli"],
  "src/store/**": ["engine", "services", "api", "cli"],
  "src/engine/**": ["services", "api", "cli"],
  "src/services/**": ["api", "cli"],
  "src/api/**": ["cli"],
  "src/client/**": ["store", "engine", "api", "cli"],
};

const boundaryConfigs = Object.entries(forbidden).map(([files, layers]) => ({
  files: [files],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          ...layers.map((layer) => ({
            group: [`**/${layer}/**`],
            message: `imports point inward: this layer may not import from ${layer}/ (STYLE.md)`,
          })),
          ...(files === "src/client/**"
            ? [
                {
                  group: ["**/services/**"],
                  allowTypeImports: true,
                  message: "the HTTP client shares the services' types, never their code",
                },
              ]
            : []),
          {
            regex: "^(\\.\\./)+index\\.js$",
            message: "imports point inward: only api/ and cli/ may use the library facade",
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "bin/**", "console/dist/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  ...boundaryConfigs,
  // The console (a browser app) may borrow pure code and types from core/, nothing else.
  {
    files: ["console/**/*.{ts,tsx}"],
    ...reactHooks.configs.flat["recommended-latest"],
  },
  {
    files: ["console/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/src/*/**", "!**/src/core/**"],
              message: "the console talks to the server over HTTP; from src/ it may use core/ only",
            },
          ],
        },
      ],
    },
  },
);

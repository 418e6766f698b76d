// Read by `web-ext` (lint, build, run) when started from this folder: only the
// extension itself is linted and packaged, not its tests, tooling and type
// declarations.
export default {
  ignoreFiles: ['test', 'tools', 'types', 'package.json', 'package-lock.json', 'tsconfig.json', 'web-ext-config.mjs'],
};

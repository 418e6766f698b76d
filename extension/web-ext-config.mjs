// Read by `web-ext` (lint, build, run) when started from this folder: only the
// extension itself is linted and packaged, not its tests and tooling.
export default {
  ignoreFiles: ['test', 'tools', 'package.json', 'package-lock.json', 'web-ext-config.mjs'],
};

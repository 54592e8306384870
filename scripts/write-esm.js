// Writes the ESM entry (dist/index.mjs + .d.mts) as a thin re-export of the CommonJS build, so
// `import { Lock } from 'procsync'` and `require('procsync')` share one instance of the addon.
'use strict';
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist');
const cjs = require(path.join(dist, 'index.js'));
const names = Object.keys(cjs).filter((k) => k !== 'default' && k !== '__esModule');
const js = [
  "import { createRequire } from 'module';",
  'const cjs = createRequire(import.meta.url)(\'./index.js\');',
  ...names.map((n) => `export const ${n} = cjs.${n};`),
  'export default cjs;',
  '',
].join('\n');
fs.writeFileSync(path.join(dist, 'index.mjs'), js);
fs.writeFileSync(
  path.join(dist, 'index.d.mts'),
  "export * from './index.js';\nimport * as procsync from './index.js';\nexport default procsync;\n",
);

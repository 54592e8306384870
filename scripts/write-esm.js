// Writes the ESM entries (dist/index.mjs + .d.mts, and the same for dist/redis/) as thin
// re-exports of the CommonJS build, so `import { Lock } from 'procsync'` and
// `require('procsync')` share one instance of the addon (and procsync/redis one connection code).
'use strict';
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist');

function writeEsm(dir, names) {
  const js = [
    "import { createRequire } from 'module';",
    'const cjs = createRequire(import.meta.url)(\'./index.js\');',
    ...names.map((n) => `export const ${n} = cjs.${n};`),
    'export default cjs;',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'index.mjs'), js);
  fs.writeFileSync(
    path.join(dir, 'index.d.mts'),
    "export * from './index.js';\nimport * as procsync from './index.js';\nexport default procsync;\n",
  );
}

const exportNames = (mod) => Object.keys(mod).filter((k) => k !== 'default' && k !== '__esModule');

writeEsm(dist, exportNames(require(path.join(dist, 'index.js'))));
// procsync/redis: its names are read from the emitted CommonJS source, not by loading it, so
// that building needs neither the optional Redis client nor a server.
const redisJs = fs.readFileSync(path.join(dist, 'redis', 'index.js'), 'utf8');
const redisNames = [...redisJs.matchAll(/^exports\.(\w+) = /gm)].map((m) => m[1]).filter((n) => n !== '__esModule');
const defined = [...redisJs.matchAll(/Object\.defineProperty\(exports, "(\w+)"/g)].map((m) => m[1]).filter((n) => n !== '__esModule');
writeEsm(path.join(dist, 'redis'), [...new Set([...redisNames, ...defined])]);

// Run by the install script when `node-gyp-build` failed: no prebuilt binary fits this system
// (prebuilds/, README "Install") and building from source did not work either. Says what is
// missing and what to do, then fails the install.
'use strict';
const fs = require('fs');
const path = require('path');

const onPath = (cmd) =>
  (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const tools = [
  ['python3', ['python3', 'python']],
  ['make', ['make']],
  ['a C++17 compiler', ['c++', 'g++', 'clang++']],
];
const missing = tools.filter(([, cmds]) => !cmds.some(onPath)).map(([what]) => what);

console.error(
  [
    '',
    `procsync: no prebuilt binary fits ${process.platform}-${process.arch} (prebuilt: linux-x64 and`,
    'linux-arm64 with glibc), and building it from source failed (node-gyp output above).',
    missing.length
      ? `Missing on PATH: ${missing.join(', ')}.`
      : 'python3, make and a C++ compiler are on PATH; see the compiler errors above.',
    process.platform === 'linux'
      ? 'Install them (Debian/Ubuntu: apt-get install python3 make g++; Alpine: apk add python3 make g++)\nand run: npm rebuild procsync'
      : `procsync supports Linux only for now; ${process.platform} is not supported.`,
    '',
  ].join('\n'),
);
process.exit(1);

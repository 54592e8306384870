'use strict';
// The file that holds a segment's bytes, from the loaded backend (linux: /dev/shm/procsync.<name>;
// posix built on Linux: /dev/shm/<short shm_open name>), for tests that look at or write the
// bytes directly. Plain JS so that fixtures (child processes) can use it too.
const path = require('path');

const { native } = require(path.join(__dirname, '..', '..', 'dist', 'core', 'native.js'));

module.exports = {
  segmentPath: (name) => native.segmentPath(name),
  backend: native.backend,
};

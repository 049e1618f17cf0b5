// Preloaded with `node --import` by tests that count how often a run reads its inputs: every
// byte `fs.readSync` reads is tallied per opened path, and each path's tally is appended to
// the file named by SFH_TEST_READ_LOG ("<path>\t<bytes>") when it is closed. Worker threads
// inherit the flag, so the stage workers and the median helpers are counted too.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const log = process.env.SFH_TEST_READ_LOG;
if (log) {
  const { openSync, readSync, closeSync, writeSync } = fs;
  const open = new Map();
  fs.openSync = function (file, ...rest) {
    const fd = openSync.call(this, file, ...rest);
    open.set(fd, { file: String(file), bytes: 0 });
    return fd;
  };
  fs.readSync = function (fd, ...rest) {
    const n = readSync.call(this, fd, ...rest);
    const o = open.get(fd);
    if (o) o.bytes += n;
    return n;
  };
  fs.closeSync = function (fd) {
    const o = open.get(fd);
    open.delete(fd);
    closeSync.call(this, fd);
    if (o && o.bytes > 0 && o.file !== log) {
      const out = openSync(log, 'a');
      writeSync(out, `${o.file}\t${o.bytes}\n`);
      closeSync(out);
    }
  };
  syncBuiltinESMExports();
}

/**
 * `fs.promises` where the calls that only read or change metadata run synchronously:
 * stat, readdir, rename, chmod... on a local tree in the page cache take a few
 * microseconds, while each asynchronous call is a trip through libuv's thread pool
 * (a wake-up of a worker thread and of the event loop, a promise, an async stack trace
 * for every ENOENT). What moves file contents (copyFile, open) stays asynchronous, so a
 * large firmware file never blocks the event loop, and so does what makes a new inode
 * (copyFile, mkdir, symlink): on ext4 after many deletions, finding a free inode that was
 * not freed recently was measured at about half a millisecond each. Same signatures, same
 * errors (the synchronous calls throw what the promises reject with).
 */
import * as fs from 'node:fs';

type Async<F extends (...args: never[]) => unknown> = (...args: Parameters<F>) => Promise<ReturnType<F>>;

function sync<F extends (...args: never[]) => unknown>(call: F): Async<F> {
  return async (...args) => call(...args) as ReturnType<F>;
}

export const metadataFs = {
  ...fs.promises,
  lstat: sync(fs.lstatSync) as unknown as typeof fs.promises.lstat,
  stat: sync(fs.statSync) as unknown as typeof fs.promises.stat,
  readlink: sync(fs.readlinkSync) as unknown as typeof fs.promises.readlink,
  readdir: sync(fs.readdirSync) as unknown as typeof fs.promises.readdir,
  unlink: sync(fs.unlinkSync) as typeof fs.promises.unlink,
  rmdir: sync(fs.rmdirSync) as typeof fs.promises.rmdir,
  rm: sync(fs.rmSync) as typeof fs.promises.rm,
  rename: sync(fs.renameSync) as typeof fs.promises.rename,
  chmod: sync(fs.chmodSync) as typeof fs.promises.chmod,
  lchown: sync(fs.lchownSync) as typeof fs.promises.lchown,
  utimes: sync(fs.utimesSync) as typeof fs.promises.utimes,
  lutimes: sync(fs.lutimesSync) as typeof fs.promises.lutimes,
};

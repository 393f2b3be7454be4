/**
 * The data directory (`dir`): made if missing, and locked while an
 * append-only file is written in it, so that two servers never interleave
 * their records in one file.
 *
 * The lock is `dir/agner.lock`, created with O_EXCL and holding the pid of
 * the server's OS process. A lock whose process is gone (`kill -9`, a power
 * cut) is stale: the next server takes it over and says so. Within one OS
 * process the lock belongs to a server (its {@link KvInstance}, the owner):
 * the same server may claim it again (a restarted writer), another server
 * of the same process is refused while the holder lives.
 *
 * Directories are made one level at a time: Node's recursive `mkdirSync`
 * never returns on a path such as `/proc/x` (mkdir says ENOENT there, and
 * it retries forever).
 */
import { type Stats, closeSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, linkSync, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type Proc } from "../../../runtime/process.js";
import { KvError } from "../errors.js";

/** The lock file's name in the data directory. */
export const LOCK_FILE = "agner.lock";

/** A data directory that cannot be used: `why` is one line for a person. */
export class DataDirError extends KvError {
  constructor(
    /** The directory, absolute. */
    readonly dir: string,
    readonly why: string,
    options?: ErrorOptions,
  ) {
    super(`cannot use the data directory ${dir}: ${why}`, options);
  }
}

/** "permission denied (EACCES)" from Node's "EACCES: permission denied, open '/x'". */
function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(err.message ?? "");
  return m !== null && err.code !== undefined ? `${m[1]} (${err.code})` : String(err.message ?? e);
}

function statOrNull(dir: string, p: string): Stats | null {
  try {
    return statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null; // missing, or under a file: found walking up
    throw new DataDirError(dir, `cannot reach ${p}: ${describe(e)}`, { cause: e });
  }
}

/**
 * Makes `path` a directory if it is not one: its missing ancestors first,
 * each with a plain mkdir. Throws {@link DataDirError} (for `errDir`) when
 * the path or an ancestor is a file, or a level cannot be made.
 */
export function ensureDir(path: string, errDir: string = resolve(path)): void {
  const missing: string[] = [];
  let p = resolve(path);
  let st = statOrNull(errDir, p);
  while (st === null) {
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
    st = statOrNull(errDir, p);
  }
  if (st !== null && !st.isDirectory()) throw new DataDirError(errDir, `${p} is not a directory`);
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && statOrNull(errDir, m)?.isDirectory()) continue; // made meanwhile
      throw new DataDirError(errDir, `cannot create directory ${m}: ${describe(e)}`, { cause: e });
    }
  }
}

/** What {@link claimDataDir} did. */
export interface DirClaim {
  /** The directory, absolute and without symbolic links. */
  readonly dir: string;
  readonly lockFile: string;
  /** Set when a stale lock was taken over: its pid, or null for a file that held no pid. */
  readonly tookOver: { pid: number | null } | null;
}

interface Held {
  owner: object;
  /** The process holding it for the owner (the writer), or null: held until released. */
  holder: Proc | null;
  lockFile: string;
}

/** Locks held by this OS process, by directory. */
const held = new Map<string, Held>();
let exitHook = false;

/** The line a server logs when it takes over a stale lock. */
export function takeOverText(c: DirClaim): string {
  const whose = c.tookOver!.pid !== null ? `the lock of process ${c.tookOver!.pid}, which is no longer running` : "an unreadable lock file";
  return `taking over ${whose} (${c.lockFile})`;
}

/**
 * Makes `dir` if needed and locks it for `owner` (a server), with `holder`
 * the process that holds it for the owner (null: until {@link releaseDataDir}).
 * Claiming again for the same owner only updates the holder.
 *
 * @throws DataDirError when the directory cannot be made or written in, or
 *   another live server (of this OS process or another) holds its lock.
 */
export function claimDataDir(dir: string, owner: object, holder: Proc | null = null): DirClaim {
  const wanted = resolve(dir);
  ensureDir(wanted);
  const real = realpathSync(wanted);
  const lockFile = join(real, LOCK_FILE);
  const mine = held.get(real);
  if (mine !== undefined) {
    if (mine.owner === owner || (mine.holder !== null && !mine.holder.alive)) {
      mine.owner = owner;
      mine.holder = holder;
      return { dir: real, lockFile, tookOver: null };
    }
    throw new DataDirError(wanted, `it is in use by another server of this process (pid ${process.pid}; lock file ${lockFile})`);
  }
  const tookOver = lock(wanted, lockFile);
  held.set(real, { owner, holder, lockFile });
  if (!exitHook) {
    exitHook = true;
    // Whatever way the process ends (short of a signal that kills it), its locks go with it.
    process.on("exit", () => {
      for (const h of held.values()) unlock(h.lockFile);
      held.clear();
    });
  }
  return { dir: real, lockFile, tookOver };
}

/** Releases every lock `owner` holds (a clean stop, or the AOF turned off). */
export function releaseDataDir(owner: object): void {
  for (const [dir, h] of held) {
    if (h.owner !== owner) continue;
    held.delete(dir);
    unlock(h.lockFile);
  }
}

function readPid(file: string): { text: string; pid: number | null } | null {
  let text: string;
  try {
    text = readFileSync(file, "latin1");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  const pid = /^\d+\n?$/.test(text) ? Number(text.trim()) : null;
  return { text, pid: pid !== null && pid > 0 ? pid : null };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // someone else's process: alive
  }
  // A zombie (killed, not yet reaped: common under a container's init) answers signal 0 but is gone.
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "latin1"));
  } catch {
    return true; // no /proc: signal 0 is all there is
  }
}

/** Creates the lock file, taking a stale one over; returns the stale one's owner, if any. */
function lock(dir: string, file: string): { pid: number | null } | null {
  let tookOver: { pid: number | null } | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o644);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return tookOver;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new DataDirError(dir, `cannot write in it: ${describe(e)} (creating ${file})`, { cause: e });
    }
    const seen = readPid(file);
    if (seen === null) continue; // released meanwhile
    // Our own pid with no lock of ours on record: a leftover of this process, as stale as a dead one's.
    if (seen.pid !== null && seen.pid !== process.pid && alive(seen.pid)) {
      throw new DataDirError(dir, `it is in use by process ${seen.pid} (lock file ${file}; remove it if that process is not an Agner server)`);
    }
    // Stale. Move it aside (atomic), then check it is the file judged stale:
    // a server that took it over meanwhile gets its lock back.
    const aside = `${file}.${process.pid}.stale`;
    try {
      renameSync(file, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new DataDirError(dir, `cannot write in it: ${describe(e)} (moving the stale ${file})`, { cause: e });
    }
    const moved = readPid(aside);
    if (moved !== null && moved.text !== seen.text) {
      try {
        linkSync(aside, file);
      } catch {
        /* a third server locked it meanwhile: it keeps it */
      }
    } else tookOver = { pid: seen.pid };
    unlinkSync(aside);
  }
  throw new DataDirError(dir, `its lock file ${file} keeps changing: another server is starting there`);
}

function unlock(file: string): void {
  try {
    if (readPid(file)?.pid === process.pid) unlinkSync(file);
  } catch {
    /* gone already, or the directory with it */
  }
}

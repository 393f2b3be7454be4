/**
 * A command run in a real pseudo-terminal, for tests of what a user sees in
 * a terminal (`agner top`, `agner remsh`): python3's `pty` module opens the
 * terminal (npm here runs no native install scripts, so no node-pty), the
 * test types into it and reads what the program writes, escape codes and all.
 *
 * @example
 * const term = spawnPty(process.execPath, ["dist/src/cli/agner.js", "top", node]);
 * await term.waitFor(/q quits/);
 * term.write("q");
 * assert.equal(await term.exit, 0);
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";

/** Options for `test()`/`describe()`: skip without python3 locally; fail in CI (AGNER_REQUIRE_PTY=1). */
export function needsPty(): { skip?: string } {
  try {
    execFileSync("python3", ["-c", "import pty"], { stdio: "ignore", timeout: 20_000 });
    return {};
  } catch {
    if (process.env.AGNER_REQUIRE_PTY === "1") throw new Error("AGNER_REQUIRE_PTY=1 but python3 (with its pty module) is not installed (apt-get install python3)");
    return { skip: "python3 not installed: the pseudo-terminal tests are skipped (apt-get install python3 to run them)" };
  }
}

// The child gets a terminal of 120 columns; the parent copies bytes both ways until the child exits.
const RELAY = `
import os, pty, sys, struct, fcntl, termios
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(sys.argv[1], sys.argv[1:], os.environ)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
import select
while True:
    r, _, _ = select.select([fd, 0], [], [])
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        os.write(1, data)
    if 0 in r:
        data = os.read(0, 65536)
        if data:
            os.write(fd, data)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

export interface Pty {
  /** Types into the terminal. */
  write(s: string): void;
  /** Everything the program wrote so far. */
  output(): string;
  /** Waits until the output (after `from`, default 0) matches; resolves with the whole output. */
  waitFor(re: RegExp, timeoutMs?: number, from?: number): Promise<string>;
  /** The exit status. */
  readonly exit: Promise<number | null>;
  kill(): void;
}

export function spawnPty(cmd: string, args: string[], env: Record<string, string | undefined> = process.env): Pty {
  const child: ChildProcess = spawn("python3", ["-c", RELAY, cmd, ...args], { env, stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding("utf8").on("data", (s: string) => {
    out += s;
    for (const w of waiters) w();
  });
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => {
    for (const w of waiters) w();
    r(code);
  }));
  let exited = false;
  void exit.then(() => (exited = true));
  return {
    write: (s) => child.stdin!.write(s),
    output: () => out,
    exit,
    kill: () => child.kill("SIGKILL"),
    waitFor(re, timeoutMs = 20_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (re.test(out.slice(from))) {
            done();
            resolve(out);
          } else if (exited) {
            done();
            reject(new Error(`the program exited before printing ${re}; it printed:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${re}; the terminal shows:\n${out}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

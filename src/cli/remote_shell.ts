/**
 * `startRemoteShell()`: lets `agner remsh` into this program's nodes. The
 * shell server (shell_server.ts, with the whole API in its scope) loads
 * only when a program asks for it: importing Agner registers nothing.
 */

/**
 * Opens this program's nodes to `agner remsh NODE`: from now on each node
 * answers the remote shell's calls (`agner_shell:start/1` ...) to peers
 * that passed the cookie handshake, unless it was started with
 * `startNode({ remoteShell: false })`. `npm start` calls it.
 *
 * @example
 * await startNode({ name: "app@localhost" });
 * await startRemoteShell();
 * // elsewhere: npx agner remsh app@localhost
 */
export async function startRemoteShell(): Promise<void> {
  const { serveRemoteShell } = await import("./shell_server.js");
  serveRemoteShell();
}

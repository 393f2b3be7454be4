/**
 * `npm start`: this program as the Erlang node {{name}}@localhost (NODE_NAME
 * to change it), visible to the cluster, with the application running.
 * The cookie is Erlang's: AGNER_COOKIE, else ~/.erlang.cookie. Peers that
 * hold it may open a remote shell here (`npx agner remsh`).
 */
import { Application, startNode, startRemoteShell } from "agner";
import { APP, defineApp } from "./app.js";

const name = process.env.NODE_NAME ?? "{{name}}@localhost";
await startNode({ name, hidden: false });
await startRemoteShell(); // `npx agner remsh {{name}}@localhost` (peers with the cookie only)
defineApp();
await Application.start(APP);
console.log(`${name} ready: from iex, GenServer.call({:counter, :"${name}"}, :get)`);

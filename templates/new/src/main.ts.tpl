/**
 * `npm start`: this program as the Erlang node {{name}}@localhost (NODE_NAME
 * to change it), visible to the cluster, with the application running.
 * The cookie is Erlang's: AGNER_COOKIE, else ~/.erlang.cookie.
 */
import { Application, startNode } from "agner";
import { APP, defineApp } from "./app.js";

const name = process.env.NODE_NAME ?? "{{name}}@localhost";
await startNode({ name, hidden: false });
defineApp();
await Application.start(APP);
console.log(`${name} ready: from iex, GenServer.call({:counter, :"${name}"}, :get)`);

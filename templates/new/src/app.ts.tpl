/**
 * The application: a supervisor that restarts the counter if it dies.
 */
import { Application, GenServer, Supervisor } from "agner";
import { Counter } from "./counter.js";

export const APP = "{{name}}";

export function defineApp(): void {
  Application.define({
    name: APP,
    start: () =>
      Supervisor.startLink([{ id: "counter", start: () => GenServer.startLink(new Counter(), 0, { name: "counter" }).result() }], {
        strategy: "one_for_one",
      }),
  });
}

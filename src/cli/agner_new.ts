/**
 * `agner new DIR`: scaffolds a project that depends on Agner (templates in
 * new_templates.ts): an application with a supervisor and a GenServer, a
 * test, `npm start` as an Erlang node and `npm test`. docs/your_first_program.md
 * walks through it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TEMPLATES } from "./new_templates.js";

export interface NewOptions {
  /** The `agner` dependency: a version range or a path/tarball (`file:...`). Default: this package's version, `^x.y.z`. */
  agner?: string;
}

/** A project directory that cannot be made (not empty, bad name). */
export class NewProjectError extends Error {
  override name = "NewProjectError";
}

/** The application's and node's name from the directory's: lowercase letters, digits and underscores, starting with a letter. */
export function projectName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^[^a-z]+/, "");
  if (name === "") throw new NewProjectError(`cannot make a project name of ${dir}: it needs a letter`);
  return name;
}

function ownVersion(): string {
  const pkg = join(dirname(fileURLToPath(import.meta.url)), "../../../package.json");
  return (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
}

/** Writes the project into `dir` (created; it must be empty or absent); returns the files written. */
export function newProject(dir: string, opts: NewOptions = {}): string[] {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new NewProjectError(`${dir} is not empty`);
  const name = projectName(dir);
  const agner = opts.agner ?? `^${ownVersion()}`;
  const written: string[] = [];
  for (const [file, text] of Object.entries(TEMPLATES)) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text.replaceAll("{{name}}", name).replaceAll("{{agner}}", agner));
    written.push(file);
  }
  return written;
}

/**
 * `agner new DIR`: scaffolds a project that depends on Agner from the
 * files under templates/new/ (shipped in the package): an application
 * with a supervisor and a GenServer, a test, `npm start` as an Erlang node
 * and `npm test`. docs/your_first_program.md walks through it. In the
 * templates, `{{name}}` is the project's name (its application's and
 * node's) and `{{agner}}` the dependency.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's root (this file is dist/src/cli/agner_new.js). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const TEMPLATES = join(ROOT, "templates", "new");

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

function* templateFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* templateFiles(p);
    else if (e.name.endsWith(".tpl")) yield p;
  }
}

/** Writes the project into `dir` (created; it must be empty or absent); returns the files written. */
export function newProject(dir: string, opts: NewOptions = {}): string[] {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new NewProjectError(`${dir} is not empty`);
  const name = projectName(dir);
  const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  const agner = opts.agner ?? `^${version}`;
  const written: string[] = [];
  for (const tpl of templateFiles(TEMPLATES)) {
    const file = relative(TEMPLATES, tpl).slice(0, -".tpl".length);
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, readFileSync(tpl, "utf8").replaceAll("{{name}}", name).replaceAll("{{agner}}", agner));
    written.push(file);
  }
  return written;
}

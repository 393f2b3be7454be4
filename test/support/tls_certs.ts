/**
 * Certificates for TLS distribution tests, made with `openssl` in a temp
 * directory: a CA, node certificates it signs (for `localhost` and
 * 127.0.0.1), and a rogue CA with a certificate of its own (which must be
 * refused). Also writes erl's `-ssl_dist_optfile` for a certificate.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TlsOptions } from "../../src/distribution/index.js";

export interface CertSet {
  dir: string;
  ca: string;
  /** Paths of a node certificate signed by the CA. */
  good: { cert: string; key: string };
  /** A certificate signed by another CA. */
  rogue: { cert: string; key: string };
  /** TLS options for an Agner transport using one of the certificates. */
  tls(which: "good" | "rogue"): TlsOptions;
  /** Writes an erl `-ssl_dist_optfile` (verify_peer both ways) and returns its path. */
  erlOptFile(which: "good" | "rogue"): string;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

export function opensslAvailable(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function makeCerts(): CertSet {
  const dir = mkdtempSync(join(tmpdir(), "agner-tls-"));
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  for (const ca of ["ca", "rogue_ca"]) {
    openssl(dir, ["req", "-x509", ...ec, "-keyout", `${ca}.key`, "-out", `${ca}.pem`, "-days", "2", "-subj", `/CN=agner ${ca}`]);
  }
  const node = (name: string, ca: string): void => {
    openssl(dir, ["req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", "/CN=localhost"]);
    openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-out", `${name}.pem`, "-days", "2", "-extfile", "ext.cnf"]);
  };
  node("good", "ca");
  node("rogue", "rogue_ca");
  const p = (f: string): string => join(dir, f);
  const set: CertSet = {
    dir,
    ca: p("ca.pem"),
    good: { cert: p("good.pem"), key: p("good.key") },
    rogue: { cert: p("rogue.pem"), key: p("rogue.key") },
    tls: (which) => ({ cert: readFileSync(set[which].cert), key: readFileSync(set[which].key), ca: readFileSync(set.ca) }),
    erlOptFile(which) {
      const c = set[which];
      const opts = (side: string): string =>
        `{${side}, [{certfile, "${c.cert}"}, {keyfile, "${c.key}"}, {cacertfile, "${set.ca}"}, {verify, verify_peer}` +
        (side === "server" ? ", {fail_if_no_peer_cert, true}" : "") +
        "]}";
      const file = p(`${which}.optfile`);
      writeFileSync(file, `[${opts("server")}, ${opts("client")}].\n`);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  return set;
}

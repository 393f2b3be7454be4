/**
 * Comparing memcached replies from two servers: CAS uniques differ by
 * design (memcached counts from 1, Agner from the clock), so each side's
 * CAS values are renamed `#1`, `#2`... in order of first appearance, and a
 * step may name "the last CAS this side showed for key k" as `{cas:k}`.
 */

export class CasBook {
  private readonly ordinal = new Map<string, number>();
  private readonly last = new Map<string, string>();

  /** Replaces `{cas:key}` by this side's last CAS for key (0 if none yet). */
  fill(step: string): string {
    return step.replace(/\{cas:([^}]*)\}/g, (_, k: string) => this.last.get(k) ?? "0");
  }

  /** The reply text with CAS uniques renamed; records the last CAS per key. */
  normalize(out: string): string {
    let res = "";
    let i = 0;
    while (i < out.length) {
      const nl = out.indexOf("\r\n", i);
      if (nl < 0) return res + out.slice(i);
      const line = out.slice(i, nl);
      const m = /^VALUE (\S+) (\d+) (\d+)(?: (\d+))?$/.exec(line);
      if (m === null) {
        res += line + "\r\n";
        i = nl + 2;
        continue;
      }
      const [, key, flags, bytes, cas] = m;
      let head = `VALUE ${key} ${flags} ${bytes}`;
      if (cas !== undefined) {
        if (!this.ordinal.has(cas)) this.ordinal.set(cas, this.ordinal.size + 1);
        this.last.set(key!, cas);
        head += ` #${this.ordinal.get(cas)}`;
      }
      const n = Number(bytes);
      res += head + "\r\n" + out.slice(nl + 2, nl + 2 + n + 2);
      i = nl + 2 + n + 2;
    }
    return res;
  }
}

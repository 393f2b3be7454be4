/**
 * Comparing memcached replies from two servers: CAS uniques differ by
 * design (memcached counts from 1, Agner from the clock), so each side's
 * CAS values are renamed `#1`, `#2`... in order of first appearance, and a
 * step may name "the last CAS this side showed for key k" as `{cas:k}`
 * (`{cas:_}`: the last CAS shown for any key). In meta replies the CAS is
 * a `c<n>` flag (`cas=<n>` in `me`'s line); their `t<n>` (`exp=-<n>`) TTLs
 * are compared to 10 seconds, as memcached's 1-second clock may tick
 * between a store and a read that Agner's millisecond clock sees apart
 * by less than a second.
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
      const meta = /^(HD|VA|EN|NF|NS|EX|ME)( |$)/.test(line);
      if (meta) {
        res += this.metaLine(line) + "\r\n";
        i = nl + 2;
        const va = /^VA (\d+)/.exec(line);
        if (va !== null) {
          const n = Number(va[1]);
          res += out.slice(i, i + n + 2);
          i += n + 2;
        }
        continue;
      }
      const m = /^VALUE (\S+) (\d+) (\d+)(?: (\d+))?$/.exec(line);
      if (m === null) {
        res += line + "\r\n";
        i = nl + 2;
        continue;
      }
      const [, key, flags, bytes, cas] = m;
      let head = `VALUE ${key} ${flags} ${bytes}`;
      if (cas !== undefined) head += ` ${this.cas(key!, cas)}`;
      const n = Number(bytes);
      res += head + "\r\n" + out.slice(nl + 2, nl + 2 + n + 2);
      i = nl + 2 + n + 2;
    }
    return res;
  }

  /** `#n` for a CAS value, recorded as key's (and `_`'s) last. */
  private cas(key: string, cas: string): string {
    if (!this.ordinal.has(cas)) this.ordinal.set(cas, this.ordinal.size + 1);
    this.last.set(key, cas);
    this.last.set("_", cas);
    return `#${this.ordinal.get(cas)}`;
  }

  private metaLine(line: string): string {
    const words = line.split(" ");
    const key = words.find((w) => w.startsWith("k"))?.slice(1) ?? (words[0] === "ME" ? words[1]! : "_");
    return words
      .map((w, i) => {
        if (i === 0) return w;
        let m = /^c(\d+)$/.exec(w);
        if (m !== null) return `c${this.cas(key, m[1]!)}`;
        m = /^cas=(\d+)$/.exec(w);
        if (m !== null) return `cas=${this.cas(key, m[1]!)}`;
        m = /^(t|exp=-)(\d+)$/.exec(w);
        if (m !== null && Number(m[2]) >= 10) return `${m[1]}~${Math.round(Number(m[2]) / 10)}`;
        return w;
      })
      .join(" ");
  }
}

/**
 * Redis' sdscatrepr: a byte string (latin1) quoted as MONITOR prints each
 * argument — `"a\x01\n\""`: backslash escapes for `\ " \n \r \t \a \b`,
 * printable ASCII as is, every other byte as `\xhh`.
 */
export function sdscatrepr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x5c:
        out += "\\\\";
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += "\\n";
        break;
      case 0x0d:
        out += "\\r";
        break;
      case 0x09:
        out += "\\t";
        break;
      case 0x07:
        out += "\\a";
        break;
      case 0x08:
        out += "\\b";
        break;
      default:
        out += c >= 0x20 && c <= 0x7e ? s[i] : `\\x${(c & 0xff).toString(16).padStart(2, "0")}`;
    }
  }
  return out + '"';
}

/**
 * The text of terms against a real erl: what `format` writes, erl reads
 * (`erl_scan` + `erl_parse:parse_term`) as the same term, and for terms
 * whose every list and binary is plain ASCII text or plain numbers, erl's
 * shell prints (`io_lib:print`, one line) exactly the same text; what erl
 * prints, `parseTerm` reads as the term erl had.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { decode, equals, format, inspect, parseTerm } from "../../src/index.js";
import { needsErl, runErl } from "../support/erl.js";
import { literalTermArb } from "../support/term_arbitrary.js";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** erl reads each text, and answers each term and its printed text. */
function erlReads(texts: string[]): { term: unknown; printed: string }[] {
  const dir = mkdtempSync(join(tmpdir(), "agner-term-text-"));
  const file = join(dir, "texts");
  writeFileSync(file, texts.map(b64).join("\n"));
  const out = runErl(`
    {ok, Bin} = file:read_file("${file}"),
    R = [begin {ok, Ts, _} = erl_scan:string(unicode:characters_to_list(base64:decode(B)) ++ "."), {ok, T} = erl_parse:parse_term(Ts),
         {T, unicode:characters_to_binary(io_lib:print(T, 1, 100000000, -1))} end || B <- binary:split(Bin, <<"\\n">>, [global])],
    io:format("=R=~s~n", [base64:encode(term_to_binary(R))])`);
  rmSync(dir, { recursive: true });
  const line = out.split("\n").find((l) => l.startsWith("=R="))!;
  const r = decode(new Uint8Array(Buffer.from(line.slice(3), "base64"))) as unknown[][];
  return r.map(([term, printed]) => ({ term, printed: Buffer.from(printed as Uint8Array).toString("utf8") }));
}

test("erl reads what format writes as the same term", needsErl(), () => {
  const terms = fc.sample(literalTermArb, { numRuns: 300, seed: 17 });
  const got = erlReads(terms.map(format));
  terms.forEach((x, i) => assert.ok(equals(got[i]!.term, x), `${format(x)} read by erl as ${inspect(got[i]!.term)}`));
});

test("erl prints the same text as format, and parseTerm reads erl's text", needsErl(), () => {
  const texts = [
    `{ok,"hello world",[1,2,3],<<"bin">>,<<1,2>>,[]}`,
    `#{a => 1,<<"k">> => [x|y],{t} => 2.5}`,
    `['Quoted',"tab\\tnew\\nline",-17,123456789012345678901234567890,1.0e-10,3.0]`,
    `{'hello world',[{nested,[]}],<<>>,{},true,false}`,
  ];
  const got = erlReads(texts);
  texts.forEach((text, i) => {
    assert.equal(format(parseTerm(text)), got[i]!.printed, `format of ${text}`);
    assert.ok(equals(parseTerm(got[i]!.printed), got[i]!.term), `parseTerm of erl's ${got[i]!.printed}`);
  });
});

// The strict schema: an unknown key is refused in every object of the configuration, with its full path, the
// nearest valid key when it is a typo of one, and the valid keys; the example stacks still parse.
import assert from "node:assert/strict";
import fc from "fast-check";
import { CONFIG_KEYS, parseConfig, SECRET_KEYS } from "../../../plan/config";
import { cfgPath, PlanErrors } from "../../../plan/errors";
import { SCHEMA, type SchemaPath } from "../../../plan/schema";
import { editDistance, nearestKeys } from "../../../plan/suggest";
import { rawMailshift, type StackName } from "./stackFiles";

/** Where each nested object of the schema is in an example stack: the stack, then the key and index path. */
const WHERE: Record<SchemaPath, { stack: StackName; at: [string, ...(string | number)[]] }> = {
  cloudflare: { stack: "production", at: ["cloudflare"] },
  oldHost: { stack: "production", at: ["oldHost"] },
  "oldHost.mx[]": { stack: "production", at: ["oldHost", "mx", 1] },
  "oldHost.folders": { stack: "production", at: ["oldHost", "folders"] },
  "mailboxes[].folders": { stack: "production", at: ["mailboxes", 4, "folders"] },
  "mailboxes[]": { stack: "production", at: ["mailboxes", 3] },
  exchange: { stack: "production", at: ["exchange"] },
  "exchange.dkim": { stack: "staging", at: ["exchange", "dkim"] },
  "newHost:cpanel": { stack: "production", at: ["newHost"] },
  "newHost:dovecot": { stack: "staging", at: ["newHost"] },
  "newHost.ssh": { stack: "staging", at: ["newHost", "ssh"] },
  "newHost.dkim": { stack: "production", at: ["newHost", "dkim"] },
  ttl: { stack: "production", at: ["ttl"] },
  dmarc: { stack: "production", at: ["dmarc"] },
  notices: { stack: "production", at: ["notices"] },
  "notices.from": { stack: "production", at: ["notices", "from"] },
  "notices.contact": { stack: "production", at: ["notices", "contact"] },
  "notices.windows": { stack: "production", at: ["notices", "windows"] },
  "notices.windows.cutover": { stack: "production", at: ["notices", "windows", "cutover"] },
  "notices.windows.finalize": { stack: "production", at: ["notices", "windows", "finalize"] },
  report: { stack: "production", at: ["report"] },
  gates: { stack: "production", at: ["gates"] },
};
const ENTRIES = Object.keys(SCHEMA) as SchemaPath[];

/** A copy of the example stack and the object at `where` inside it (which the caller may change). */
function objectAt(where: (typeof WHERE)[SchemaPath]): { raw: Record<string, unknown>; obj: Record<string, unknown> } {
  const raw = structuredClone(rawMailshift(where.stack));
  let o: unknown = raw;
  for (const part of where.at) o = (o as Record<string | number, unknown>)[part];
  assert.ok(o && typeof o === "object" && !Array.isArray(o), `no object at ${where.at.join(".")} in ${where.stack}`);
  return { raw, obj: o as Record<string, unknown> };
}

/** Every problem parseConfig reports, as [path, message]; fails when it accepts the configuration. */
function problems(raw: Record<string, unknown>): { path: string; message: string }[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof PlanErrors) return err.errors.map((e) => ({ path: e.path, message: e.message }));
    throw err;
  }
  assert.fail("expected the configuration to be refused");
}

/** The keys after "Did you mean" in a message, or none. */
function suggested(message: string): string[] {
  const m = /Did you mean ((?:`[^`]+`(?: or )?)+)\?/.exec(message);
  return m ? [...m[1]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]!) : [];
}

/** One-letter typos of a key: a letter replaced, dropped, added, or two neighbours swapped. */
const typoOf = (key: string): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom("replace", "drop", "add", "swap"),
      fc.nat(key.length - 1),
      fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789".split("")),
    )
    .map(([op, i, c]) => {
      if (op === "replace") return key.slice(0, i) + c + key.slice(i + 1);
      if (op === "drop") return key.slice(0, i) + key.slice(i + 1);
      if (op === "add") return key.slice(0, i) + c + key.slice(i);
      const j = Math.min(i, key.length - 2);
      return key.slice(0, j) + key[j + 1] + key[j] + key.slice(j + 2);
    });

describe("plan/schema: unknown keys are refused at every level", () => {
  it("every object in the schema is found in an example stack, and the example stacks parse", () => {
    for (const e of ENTRIES) objectAt(WHERE[e]);
    parseConfig(rawMailshift("production"));
    parseConfig(rawMailshift("staging"));
  });

  for (const e of ENTRIES) {
    const where = WHERE[e];
    const { keys, what } = SCHEMA[e];
    it(`${e}: a random unknown key is refused with its full path and the valid keys, and nothing else is (property)`, () => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !keys.includes(k) && k !== "__proto__"),
          fc.oneof(fc.string(), fc.integer(), fc.boolean()),
          (key, value) => {
            const { raw, obj } = objectAt(where);
            obj[key] = value;
            const found = problems(raw);
            const path = cfgPath(where.at[0], ...where.at.slice(1), key);
            assert.deepEqual(
              found.map((p) => p.path),
              [path],
            );
            assert.ok(found[0]!.message.startsWith(`${path}: is not ${what}. `), found[0]!.message);
            assert.ok(found[0]!.message.endsWith(`Valid keys: ${keys.join(", ")}`), found[0]!.message);
            // a suggestion only for a key close to a valid one
            for (const s of suggested(found[0]!.message)) assert.ok(editDistance(key, s) <= 3, `${key} -> ${s}`);
          },
        ),
        { numRuns: 60 },
      );
    });

    it(`${e}: a one-letter typo of each valid key gets "did you mean" that key (property)`, () => {
      for (const valid of keys) {
        fc.assert(
          fc.property(
            // a typo that is another valid key in other case ("Uid" from gid) is that key's typo, not this one's
            typoOf(valid).filter((t) => !keys.some((k) => k.toLowerCase() === t.toLowerCase()) && t !== "__proto__"),
            (typo) => {
              const { raw, obj } = objectAt(where);
              const value = obj[valid] ?? "x";
              delete obj[valid];
              obj[typo] = value;
              const path = cfgPath(where.at[0], ...where.at.slice(1), typo);
              const p = problems(raw).find((x) => x.path === path);
              assert.ok(p, `no problem reported at ${path}`);
              assert.ok(suggested(p.message).includes(valid), `${p.message} does not suggest ${valid}`);
            },
          ),
          { numRuns: 25 },
        );
      }
    });
  }

  it("top level: a one-letter typo of each key gets that key suggested, secrets' keys included (property)", () => {
    for (const valid of [...CONFIG_KEYS, ...SECRET_KEYS]) {
      fc.assert(
        fc.property(
          typoOf(valid).filter((t) => !(CONFIG_KEYS as readonly string[]).includes(t) && !SECRET_KEYS.includes(t) && t !== "__proto__"),
          (typo) => {
            const raw = structuredClone(rawMailshift("production"));
            raw[typo] = raw[valid] ?? "x";
            delete raw[valid];
            const p = problems(raw).find((x) => x.path === `mailshift:${typo}`);
            assert.ok(p, `no problem reported at mailshift:${typo}`);
            assert.ok(suggested(p.message).includes(valid), `${p.message} does not suggest ${valid}`);
          },
        ),
        { numRuns: 15 },
      );
    }
  });

  it("says it in words for the issue's three typos, all in one run", () => {
    const raw = structuredClone(rawMailshift("production"));
    raw.dmarc = { polcy: "reject" };
    raw.oldHost = { ...(raw.oldHost as object), imapPrt: 143 };
    raw.ttl = { normal: 14400, lowerd: 60 };
    const found = problems(raw).map((p) => p.message);
    assert.deepEqual(found, [
      "mailshift:oldHost.imapPrt: is not an oldHost setting. Did you mean `imapPort`? Valid keys: imapHost, imapPort, mx, spf, tls, ca, insecure, admin, folders",
      "mailshift:ttl.lowerd: is not a ttl setting. Did you mean `lowered`? Valid keys: normal, lowered",
      "mailshift:dmarc.polcy: is not a dmarc setting. Did you mean `policy`? Valid keys: policy, subdomainPolicy, rua",
    ]);
  });

  it("reports a stage change that skips one together with the typos", () => {
    const raw = { ...structuredClone(rawMailshift("production")), stage: "finalize", previousStage: "copy", dmarc: { polcy: "reject" } };
    assert.deepEqual(
      problems(raw).map((p) => p.path),
      ["mailshift:stage", "mailshift:dmarc.polcy"],
    );
  });

  it("suggests nothing for a key unlike any valid one, and every key at the same distance when they tie", () => {
    assert.deepEqual(nearestKeys("colour", ["policy", "rua"]), []);
    assert.deepEqual(nearestKeys("imapPost", ["imapHost", "imapPort", "mx"]), ["imapHost", "imapPort"]);
    assert.deepEqual(nearestKeys("ImapPort", ["imapHost", "imapPort"]), ["imapPort"]);
    assert.equal(editDistance("imapProt", "imapPort"), 1);
    const raw = { ...rawMailshift("staging"), colour: "blue" };
    assert.match(
      problems(raw)[0]!.message,
      /^mailshift:colour: is not a mailshift setting\. Remove it or check the spelling\. Valid keys: domain, subdomain, /,
    );
  });

  it("checks a newHost without a known kind against the keys of either kind", () => {
    const raw = structuredClone(rawMailshift("production"));
    raw.newHost = { ...(raw.newHost as object), kind: "exim", maildirRot: "/x" };
    const found = problems(raw);
    assert.ok(found.some((p) => p.path === "mailshift:newHost.kind"));
    const typo = found.find((p) => p.path === "mailshift:newHost.maildirRot");
    assert.ok(typo && suggested(typo.message).includes("maildirRoot"), JSON.stringify(found));
  });
});

// Every engine option in the stack: TLS mode, private CA, plaintext (loopback only), administrator, folder renames
// and excludes, message size limit and connections, per host with per-mailbox overrides. Parsed strictly (an
// unknown key gets the nearest one), merged by plan/copySettings.ts, and carried by each planned migration.
import assert from "node:assert/strict";
import { parseConfig } from "../../../plan/config";
import { mergeFolders } from "../../../plan/copySettings";
import { PlanErrors } from "../../../plan/errors";
import { buildPlan } from "../../../plan/plan";
import { rawMailshift } from "./stackFiles";

type Raw = Record<string, unknown>;

function problems(raw: Raw): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof PlanErrors) return err.errors.map((e) => e.message);
    throw err;
  }
  assert.fail("expected the configuration to be refused");
}

/** The production example with changes to oldHost, newHost and mailboxes[i]. */
function production(over: { oldHost?: Raw; newHost?: Raw; exchange?: Raw; mailbox?: [number, Raw] } = {}): Raw {
  const raw = structuredClone(rawMailshift("production")) as Raw;
  raw.oldHost = { ...(raw.oldHost as Raw), ...over.oldHost };
  raw.newHost = { ...(raw.newHost as Raw), ...over.newHost };
  raw.exchange = { ...(raw.exchange as Raw), ...over.exchange };
  if (over.mailbox) {
    const list = raw.mailboxes as Raw[];
    list[over.mailbox[0]] = { ...list[over.mailbox[0]], ...over.mailbox[1] };
  }
  return raw;
}

describe("plan: engine options in the stack", () => {
  it("reads the production example's folders, limits and default quota as written", () => {
    const c = parseConfig(rawMailshift("production"));
    assert.deepEqual(c.oldHost.folders, { rename: { "Sent Messages": "Sent Items" }, exclude: ["Trash", "Junk*"] });
    assert.equal(c.newHost?.maxMessageBytes, 50_000_000);
    assert.equal(c.newHost?.connections, 4);
    assert.equal(c.newHost?.defaultQuotaBytes, 1_000_000_000);
    assert.equal(c.exchange?.maxMessageBytes, 150_000_000);
    assert.equal(c.mailboxes[4]!.connections, 2);
    assert.equal(parseConfig(rawMailshift("staging")).oldHost.admin, "mspadmin");
  });

  it("each planned migration carries the host's settings with the mailbox's overrides", () => {
    const plan = buildPlan(parseConfig(rawMailshift("production")));
    const by = (s: string) => plan.migrations.find((m) => m.source === s)!.copy;
    const hostFolders = { rename: { "Sent Messages": "Sent Items" }, exclude: ["Trash", "Junk*"] };
    assert.deepEqual(by("bob@example.com"), { folders: hostFolders, maxMessageBytes: 50_000_000, connections: 4 });
    assert.deepEqual(by("archive@example.com"), {
      folders: { rename: hostFolders.rename, exclude: ["Trash", "Junk*", "Archive/2009*"] },
      maxMessageBytes: 50_000_000,
      connections: 2,
    });
    // exchange mailboxes take the exchange host's limits, not the new IMAP host's
    assert.deepEqual(by("alice@example.com"), { folders: hostFolders, maxMessageBytes: 150_000_000 });
  });

  it("a mailbox's rename wins over the host's and brings back a folder the host excludes", () => {
    assert.deepEqual(
      mergeFolders(
        { rename: { Sent: "Sent Items" }, exclude: ["Junk", "Old"] },
        { rename: { Sent: "Sent Mail", Old: "Old 2019" }, exclude: [] },
      ),
      { rename: { Sent: "Sent Mail", Old: "Old 2019" }, exclude: ["Junk"] },
    );
    assert.equal(mergeFolders(undefined, undefined), undefined);
  });

  it("takes TLS mode, CA file, administrator and plaintext on a loopback name", () => {
    const c = parseConfig(
      production({
        oldHost: {
          imapHost: "imap.old.localhost",
          imapPort: 143,
          tls: "starttls",
          ca: "certs/old-ca.pem",
          insecure: true,
          admin: "mspadmin",
        },
        newHost: { tls: "implicit", admin: "cpadmin" },
      }),
    );
    assert.deepEqual(
      [c.oldHost.tls, c.oldHost.ca, c.oldHost.insecure, c.oldHost.admin],
      ["starttls", "certs/old-ca.pem", true, "mspadmin"],
    );
    assert.deepEqual([c.newHost?.tls, c.newHost?.admin], ["implicit", "cpadmin"]);
  });

  it("refuses each bad value with its path and the fix, all in one run", () => {
    const msgs = problems(
      production({
        oldHost: { tls: "ssl", insecure: true, ca: "-----BEGIN CERTIFICATE-----\nMIIB", admin: "user*master", imapPort: 143 },
        newHost: { connections: 64, maxMessageSize: "auto", defaultQuota: "lots" },
        mailbox: [3, { folders: { rename: { Junk: "" }, exclude: "Junk" }, maxMessageSize: "-5MB" }],
      }),
    );
    const expect: RegExp[] = [
      /^mailshift:oldHost\.tls: unknown mode "ssl"\. Use implicit .* or starttls/,
      /^mailshift:oldHost\.ca: holds a certificate's text\. Give the path of the PEM file/,
      /^mailshift:oldHost\.insecure: is true but imap\.oldhost\.net is not on this machine: the password would cross the network in plain text\. Remove it and use tls: implicit or starttls \(give a private CA with oldHost\.ca\)/,
      /^mailshift:oldHost\.admin: "user\*master" is not a login name\. Give the administrator's own login/,
      /^mailshift:newHost\.connections: must be a whole number from 1 to 32, got 64/,
      /^mailshift:newHost\.maxMessageSize: "auto" is only for a mailbox quota/,
      /^mailshift:newHost\.defaultQuota: quota "lots" is not auto, a number of bytes or a size/,
      /^mailshift:mailboxes\[3\]\.folders\.rename\["Junk"\]: is missing\. Map the source folder to its new name/,
      /^mailshift:mailboxes\[3\]\.folders\.exclude: must be a list, got "Junk"/,
      /^mailshift:mailboxes\[3\]\.maxMessageSize: quota "-5MB" is not/,
    ];
    for (const re of expect)
      assert.ok(
        msgs.some((m) => re.test(m)),
        `expected ${re} among:\n${msgs.join("\n")}`,
      );
    assert.equal(msgs.length, expect.length, msgs.join("\n"));
  });

  it("refuses implicit TLS on port 143 and a rename of an excluded folder", () => {
    const msgs = problems(
      production({ oldHost: { imapPort: 143, tls: "implicit", folders: { rename: { Junk: "Spam" }, exclude: ["Junk"] } } }),
    );
    assert.deepEqual(msgs.map((m) => m.split(": ")[0]).sort(), ['mailshift:oldHost.folders.rename["Junk"]', "mailshift:oldHost.tls"]);
  });

  it("an unknown key in folders, oldHost or a mailbox gets the nearest valid key", () => {
    const msgs = problems(
      production({
        oldHost: { folders: { renmae: { a: "b" } }, admn: "x" },
        newHost: { maxMessagesize: "5MB", defaultquota: "1GB" },
        mailbox: [4, { conections: 2 }],
      }),
    );
    for (const [path, near] of [
      ["mailshift:oldHost.folders.renmae", "rename"],
      ["mailshift:oldHost.admn", "admin"],
      ["mailshift:newHost.maxMessagesize", "maxMessageSize"],
      ["mailshift:newHost.defaultquota", "defaultQuota"],
      ["mailshift:mailboxes[4].conections", "connections"],
    ])
      assert.ok(
        msgs.some((m) => m.startsWith(`${path}: `) && m.includes(`Did you mean \`${near}\``)),
        `${path} -> ${near}:\n${msgs.join("\n")}`,
      );
  });
});

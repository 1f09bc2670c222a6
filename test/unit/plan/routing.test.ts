import assert from "node:assert/strict";
import fc from "fast-check";
import { parseConfig } from "../../../plan/config";
import type { PlanErrors } from "../../../plan/errors";
import { routeMailboxes } from "../../../plan/routing";
import type { MailboxConfig, MailshiftConfig } from "../../../plan/types";
import { rawMailshift } from "./stackFiles";

const base = parseConfig(rawMailshift("staging"));

function withMailboxes(mailboxes: MailboxConfig[], over: Partial<MailshiftConfig> = {}): MailshiftConfig {
  return { ...base, ...over, mailboxes };
}

const localPart = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const mailboxesArb = fc
  .uniqueArray(fc.record({ local: localPart, route: fc.constantFrom("exchange" as const, "imap" as const) }), {
    selector: (m) => m.local,
    minLength: 1,
    maxLength: 30,
  })
  .map((ms) =>
    ms.map((m): MailboxConfig => {
      const address = `${m.local}@${base.domain}`;
      return { address, route: m.route, sourceUser: address, displayName: m.local };
    }),
  );

describe("plan/routing: every mailbox goes to exactly one destination", () => {
  it("routing is a partition of the mailboxes: each once, on its own route, destinations distinct", () => {
    fc.assert(
      fc.property(mailboxesArb, (mailboxes) => {
        const plans = routeMailboxes(withMailboxes(mailboxes));
        assert.deepEqual(plans.map((p) => p.source).sort(), mailboxes.map((m) => m.address).sort());
        for (const m of mailboxes) assert.equal(plans.find((p) => p.source === m.address)!.route, m.route);
        assert.equal(new Set(plans.map((p) => p.destination)).size, plans.length);
        for (const p of plans) {
          assert.equal(p.destination.endsWith(`@${p.route === "exchange" ? base.domain : base.subdomain}`), true);
          assert.equal(p.addressChanges, p.route === "imap");
        }
      }),
    );
  });

  it("an address listed on two routes is refused, naming both entries", () => {
    fc.assert(
      fc.property(mailboxesArb, fc.nat(), (mailboxes, pick) => {
        const victim = mailboxes[pick % mailboxes.length]!;
        const twin: MailboxConfig = { ...victim, route: victim.route === "imap" ? "exchange" : "imap" };
        const all = [...mailboxes, twin];
        assert.throws(
          () => routeMailboxes(withMailboxes(all)),
          (err: PlanErrors) => {
            assert.equal(err.errors.length, 1);
            assert.equal(err.errors[0]!.path, `mailshift:mailboxes[${mailboxes.length}].address`);
            assert.match(
              err.message,
              new RegExp(
                `${victim.address.replace(".", "\\.")} is on two routes: ${victim.route} \\(mailboxes\\[${mailboxes.indexOf(victim)}\\]\\) and ${twin.route}`,
              ),
            );
            return true;
          },
        );
      }),
    );
  });

  it("a subdomain is required as soon as one mailbox goes to imap", () => {
    const { subdomain: _drop, ...noSub } = base;
    assert.throws(() => routeMailboxes({ ...noSub, mailboxes: base.mailboxes }), {
      message: /^mailshift:subdomain: is missing but mailboxes\[1\] \(bob\.test@staging-example\.com\) goes to imap\. Set a subdomain/,
    });
    const exchangeOnly = base.mailboxes.filter((m) => m.route === "exchange");
    assert.equal(routeMailboxes({ ...noSub, mailboxes: exchangeOnly }).length, exchangeOnly.length);
  });

  it("sizes imap quotas from the audit and names the mailbox whose explicit quota is too small", () => {
    const plans = routeMailboxes(base);
    const bob = plans.find((p) => p.source === "bob.test@staging-example.com")!;
    assert.equal(bob.quotaBytes, Math.ceil((734003200 * 1.25) / 1048576) * 1048576);
    const tight = base.mailboxes.map((m) => (m.address.startsWith("carol") ? { ...m, quota: { kind: "bytes" as const, bytes: 1000 } } : m));
    assert.throws(() => routeMailboxes(withMailboxes(tight)), {
      message:
        /^mailshift:mailboxes\[2\]\.quota: carol\.test@staging-example\.com: quota 1000 bytes is below the audited size 50\.00 MiB \(52428800 bytes\)/,
    });
  });
});

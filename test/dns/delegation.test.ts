// The delegation gate's live query (world/delegation.ts) against real NSD: the parent zone's referral, the child
// zone's own NS answer asked as a resolver asks, and a server that does not answer; then the gate decides on it.
import assert from "node:assert/strict";
import { AuthDns, ensureAuthDns } from "../../harness/authdns";
import { gateBlockers } from "../../plan/gates";
import { readDelegation } from "../../world/delegation";

const NEW_NS = ["ns1.new.example.net", "ns2.new.example.net"];

/** The move from copy to cutover with every other gate open: only the delegation can block it. */
const cutoverBlockers = (delegation: Awaited<ReturnType<typeof readDelegation>>) =>
  gateBlockers(
    "cutover",
    "copy",
    [],
    {
      now: new Date(),
      delegation,
      last: { stage: "copy", loweredTtlSince: "2020-01-01T00:00:00Z", migrations: [], overrides: [] },
      preflight: { at: "t", problems: [] },
    },
    { oldTtl: 60, finalizeAfter: 60, force: false },
  );

describe("delegation: the parent zone asked live (real NSD)", function () {
  this.timeout(60_000);
  let parent: AuthDns;
  let child: AuthDns;
  before(async () => {
    ensureAuthDns();
    parent = await AuthDns.start({
      name: "deleg-parent",
      zones: [
        {
          origin: "com",
          text: "$TTL 60\ncom. IN SOA ns.com. h.com. 1 3600 600 86400 60\ncom. IN NS ns.com.\nns.com. IN A 127.0.0.1\nexample.com. IN NS ns1.oldhost.example.net.\nexample.com. IN NS ns2.oldhost.example.net.\n",
        },
      ],
    });
    child = await AuthDns.start({
      name: "deleg-child",
      zones: [
        {
          origin: "example.com",
          text: `$TTL 60\nexample.com. IN SOA ns1.new.example.net. h.example.com. 1 3600 600 86400 60\n${NEW_NS.map((n) => `example.com. IN NS ${n}.`).join("\n")}\n`,
        },
      ],
    });
  });
  after(async () => {
    await parent?.stop();
    await child?.stop();
  });

  it("reads the parent's referral: still the old nameservers, so the gate blocks and names both sets", async () => {
    const spec = `127.0.0.1:${parent.server.port}`;
    const d = await readDelegation("example.com", NEW_NS, { parentNameServer: spec });
    assert.deepEqual(d, {
      expected: NEW_NS,
      via: `the parent zone's server ${spec}`,
      found: ["ns1.oldhost.example.net", "ns2.oldhost.example.net"],
    });
    const b = cutoverBlockers(d);
    assert.deepEqual(
      b.map((x) => x.gate),
      ["delegation"],
    );
    assert.match(
      b[0]!.message,
      /delegated to ns1\.oldhost\.example\.net, ns2\.oldhost\.example\.net .* not to the new zone's ns1\.new\.example\.net, ns2\.new\.example\.net/,
    );
  });

  it("a server answering for the zone itself gives its NS set, which matches: nothing blocks", async () => {
    const d = await readDelegation("example.com", NEW_NS, { parentNameServer: `127.0.0.1:${child.server.port}` });
    assert.deepEqual(d.found, NEW_NS);
    const b = cutoverBlockers(d);
    assert.deepEqual(b, []);
  });

  it("a server that does not answer is an error the gate reports, not a pass", async () => {
    await child.stop();
    const d = await readDelegation("example.com", NEW_NS, { parentNameServer: `127.0.0.1:${child.server.port}` });
    assert.equal(d.found, undefined);
    assert.match(d.error ?? "", /did not answer example\.com NS/);
  });
});

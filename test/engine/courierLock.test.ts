// Courier's imapd takes a folder's dot-lock for every APPEND, and a connection that finds it taken can wait 120 s for
// a file-watch event that never comes (harness/SERVERS.md, "The stall"). The engine therefore appends to a Courier
// folder over one connection at a time: counted on the wire, through a proxy, for a folder of 300 messages.
import { strict as assert } from "node:assert";
import { syncMailbox } from "../../engine";
import type { Endpoint } from "../../engine/endpoint";
import { readCorpus } from "../../harness/corpus";
import { Courier, ensureCourier } from "../../harness/courier";
import { Dovecot, ensureDovecot } from "../../harness/dovecot";
import { FaultProxy } from "../../harness/faultProxy";
import { FAST_RETRY } from "./fixtures";
import { snapshot } from "./snapshot";

describe("copy engine into Courier: one APPEND at a time per folder (real Courier)", function () {
  this.timeout(180_000);
  let old: Dovecot;
  let courier: Courier;
  let proxy: FaultProxy;
  before(async () => {
    ensureDovecot();
    ensureCourier();
    [old, courier] = await Promise.all([
      Dovecot.start({ layout: "old", users: [], name: "lock-old", keepDir: false }),
      Courier.start({ users: [], name: "lock-courier", keepDir: false }),
    ]);
    proxy = await FaultProxy.start({ target: { host: courier.host, port: courier.port } });
  });
  after(async () => {
    await proxy?.stop();
    await Promise.all([old?.stop(), courier?.stop()]);
  });

  it("never has two APPENDs to one folder in flight, and copies every message once", async () => {
    await old.addUser({ user: "fay", password: "old-fay" });
    await courier.addUser({ user: "fay", password: "new-fay" });
    await old.storeAsIs("fay", "INBOX", readCorpus("spam", 300));
    const inFlight = new Map<number, string>();
    let most = 0;
    proxy.use({
      client: (line, ctx) => {
        const m = /^(\S+) APPEND /i.exec(line);
        if (m) {
          inFlight.set(ctx.connectionId, m[1]!);
          most = Math.max(most, inFlight.size);
        }
        return line;
      },
      server: (line, ctx) => {
        const tag = inFlight.get(ctx.connectionId);
        if (tag && line.startsWith(`${tag} `)) inFlight.delete(ctx.connectionId);
        return line;
      },
    });
    const to: Endpoint = { host: proxy.host, port: proxy.port, tls: "starttls", user: "fay", password: "new-fay" };
    const from: Endpoint = { host: old.host, port: old.port, tls: "starttls", user: "fay", password: "old-fay" };
    const s = await syncMailbox(from, to, { retry: FAST_RETRY });
    assert.deepEqual([s.totals.copied, s.verified, s.retries], [300, true, 0]);
    assert.equal(most, 1, "at most one APPEND in flight at a time");
    const dst = await snapshot(courier.url("fay"), "new-fay");
    assert.equal(dst.get("INBOX")!.length, 300);
  });
});

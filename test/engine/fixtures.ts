// Two loopback Dovecot servers shared by the engine tests: the old host (cPanel-like layout) and the new host
// (Exchange-like names). Each test adds its own users, so tests do not see each other's mail.
import { Dovecot, ensureDovecot, stopAllDovecots, type MailUser } from "../../harness/dovecot";
import { FaultProxy } from "../../harness/faultProxy";
import type { Endpoint } from "../../engine/endpoint";
import type { RetryPolicy } from "../../engine/retry";

export const FAST_RETRY: RetryPolicy = { attempts: 8, baseMs: 100, maxMs: 1000 };

export interface Pair {
  old: Dovecot;
  fresh: Dovecot;
}

export async function startPair(opts: { maxMessageBytes?: number } = {}): Promise<Pair> {
  ensureDovecot();
  const [old, fresh] = await Promise.all([
    Dovecot.start({ layout: "old", users: [], name: "old-host", keepDir: false }),
    Dovecot.start({ layout: "new", users: [], name: "new-host", maxMessageBytes: opts.maxMessageBytes, keepDir: false }),
  ]);
  return { old, fresh };
}

let counter = 0;

/** A fresh user on both hosts; returns endpoints for the engine and URLs/passwords for direct checks. */
export async function mailboxPair(pair: Pair, opts: { quotaBytes?: number } = {}) {
  counter += 1;
  const name = `user${counter}-${process.pid}`;
  const src: MailUser = { user: name, password: `old-${name}-pw` };
  const dst: MailUser = { user: name, password: `new-${name}-pw`, quotaBytes: opts.quotaBytes };
  await pair.old.addUser(src);
  await pair.fresh.addUser(dst);
  const from: Endpoint = { host: pair.old.host, port: pair.old.port, tls: "starttls", user: name, password: src.password };
  const to: Endpoint = { host: pair.fresh.host, port: pair.fresh.port, tls: "starttls", user: name, password: dst.password };
  return {
    name,
    from,
    to,
    fromUrl: pair.old.url(name),
    toUrl: pair.fresh.url(name),
    fromPassword: src.password,
    toPassword: dst.password,
  };
}

/**
 * Registers the usual hooks of a suite that runs against the pair through fault proxies: the pair starts before
 * the suite, each test's proxies stop after it, the servers stop after the suite. `pair()` is valid inside tests;
 * `proxy(server)` starts a proxy in front of one of them.
 */
export function pairWithProxies(opts: { maxMessageBytes?: number } = {}): {
  pair: () => Pair;
  proxy: (target: { host: string; port: number }) => Promise<FaultProxy>;
} {
  let pair: Pair | undefined;
  const proxies: FaultProxy[] = [];
  before(async () => {
    pair = await startPair(opts);
  });
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
  });
  after(async () => {
    await stopAllDovecots();
  });
  return {
    pair: () => {
      if (!pair) throw new Error("the Dovecot pair is not started yet (use pair() inside a test)");
      return pair;
    },
    proxy: async (target) => {
      const p = await FaultProxy.start({ target: { host: target.host, port: target.port } });
      proxies.push(p);
      return p;
    },
  };
}

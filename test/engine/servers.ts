// The server pairs every cross-server engine test runs on: each kind of old host against each kind of new host
// that the harness can start. A pair's users are made per test, so tests do not see each other's mail.
import { Dovecot, ensureDovecot, type MailUser } from "../../harness/dovecot";
import type { ImapServer } from "../../harness/imapServer";
import type { Endpoint } from "../../engine/endpoint";

export interface ServerPair {
  name: string;
  old: ImapServer;
  fresh: ImapServer;
}

export interface PairSpec {
  name: string;
  start(): Promise<ServerPair>;
}

const dovecot = (layout: "old" | "new", name: string) => async () => {
  ensureDovecot();
  return Dovecot.start({ layout, users: [], name, keepDir: false });
};

/** Each entry starts its two servers; stop them with stopPair. */
export const PAIRS: readonly PairSpec[] = [
  {
    name: "Dovecot -> Dovecot",
    async start() {
      const [old, fresh] = await Promise.all([dovecot("old", "old-host")(), dovecot("new", "new-host")()]);
      return { name: this.name, old, fresh };
    },
  },
];

export async function stopPair(p: ServerPair | undefined): Promise<void> {
  if (p) await Promise.all([p.old.stop(), p.fresh.stop()]);
}

let counter = 0;

/** A fresh user on both servers of the pair, and the engine's endpoints for it. */
export async function usersOn(pair: ServerPair) {
  counter += 1;
  const name = `x${counter}p${process.pid}`;
  const src: MailUser = { user: name, password: `old-${name}-pw` };
  const dst: MailUser = { user: name, password: `new-${name}-pw` };
  await Promise.all([pair.old.addUser(src), pair.fresh.addUser(dst)]);
  const endpoint = (s: ImapServer, password: string): Endpoint => ({ host: s.host, port: s.port, tls: "starttls", user: name, password });
  return {
    user: name,
    from: endpoint(pair.old, src.password),
    to: endpoint(pair.fresh, dst.password),
    fromUrl: pair.old.url(name),
    toUrl: pair.fresh.url(name),
    fromPassword: src.password,
    toPassword: dst.password,
  };
}

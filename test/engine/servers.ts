// The server pairs every cross-server engine test runs on: each kind of old host against each kind of new host
// that the harness can start. A pair's users are made per test, so tests do not see each other's mail.
import { Courier, ensureCourier } from "../../harness/courier";
import { Cyrus, ensureCyrus, type CyrusHierarchy } from "../../harness/cyrus";
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

const cyrus = (hierarchy: CyrusHierarchy, name: string, maxMessageBytes?: number) => async () => {
  ensureCyrus();
  return Cyrus.start({ hierarchy, users: [], name, keepDir: false, maxMessageBytes });
};

const courier = (name: string) => async () => {
  ensureCourier();
  return Courier.start({ users: [], name, keepDir: false });
};

function pairOf(name: string, old: () => Promise<ImapServer>, fresh: () => Promise<ImapServer>): PairSpec {
  return {
    name,
    async start() {
      const [o, f] = await Promise.all([old(), fresh()]);
      return { name, old: o, fresh: f };
    },
  };
}

/** Each entry starts its two servers; stop them with stopPair. */
export const PAIRS: readonly PairSpec[] = [
  pairOf("Dovecot -> Dovecot", dovecot("old", "old-host"), dovecot("new", "new-host")),
  pairOf("Dovecot -> Cyrus (INBOX. prefix, '.')", dovecot("old", "old-host"), cyrus("dot", "new-cyrus-dot")),
  pairOf("Dovecot -> Cyrus ('/', no prefix)", dovecot("old", "old-host"), cyrus("slash", "new-cyrus-slash")),
  pairOf("Cyrus ('/') -> Dovecot", cyrus("slash", "old-cyrus-slash"), dovecot("new", "new-host")),
  pairOf("Dovecot -> Courier", dovecot("old", "old-host"), courier("new-courier")),
  pairOf("Courier -> Cyrus (INBOX. prefix, '.')", courier("old-courier"), cyrus("dot", "new-cyrus-dot")),
];

/** A destination with a message size limit, for the refusal tests: it announces APPENDLIMIT and hangs up on TOOBIG. */
export const LIMITED_PAIRS: readonly PairSpec[] = [
  pairOf("Dovecot -> Cyrus with maxmessagesize 1 MiB", dovecot("old", "old-host"), cyrus("dot", "new-cyrus-limit", 1024 * 1024)),
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

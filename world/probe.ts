// Probes one IMAP server for one mailbox, step by step, for preflight: the port, the TLS certificate for the host
// name, the login (the engine's own openClient), the capabilities, INBOX, the quota. Only records what it finds;
// plan/preflight.ts decides what is a problem. Nothing secret is recorded.
import net from "node:net";
import tls from "node:tls";
import { closeClient, openClient } from "../engine/connect";
import { type Endpoint, isLoopbackHost } from "../engine/endpoint";
import type { ProbeResult, Side } from "../plan/preflight";

const TIMEOUT_MS = 8000;

function portOpen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (err?: string) => {
      s.destroy();
      resolve(err);
    };
    s.setTimeout(TIMEOUT_MS, () => done(`no answer within ${TIMEOUT_MS / 1000} s`));
    s.once("connect", () => done());
    s.once("error", (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

/** Reads until a line that starts with `tag` (or the greeting, `*`). */
function readLine(s: net.Socket, tag: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString("latin1");
      const line = buf.split("\r\n").find((l) => l.startsWith(tag));
      if (line !== undefined) {
        s.off("data", onData);
        resolve(line);
      }
    };
    s.on("data", onData);
    s.once("error", reject);
  });
}

/** The TLS handshake as the copy engine makes it, the certificate checked for `host`; STARTTLS first when asked. */
async function checkTls(e: Endpoint): Promise<{ error?: string; names?: string[]; plaintext?: true }> {
  let plain: net.Socket | undefined;
  try {
    if (e.tls === "starttls") {
      plain = net.connect({ host: e.host, port: e.port });
      plain.setTimeout(TIMEOUT_MS, () => plain?.destroy(new Error("no answer")));
      await readLine(plain, "* ");
      plain.write("p1 STARTTLS\r\n");
      const answer = await readLine(plain, "p1 ");
      if (!/^p1 OK/i.test(answer)) {
        plain.destroy();
        // as the copy engine: a plaintext login only on this machine, or when the endpoint says so
        if (isLoopbackHost(e.host) || e.insecure) return { plaintext: true };
        return { error: `the server refused STARTTLS (${answer.slice(3).trim()})` };
      }
    }
    const socket = tls.connect({
      ...(plain ? { socket: plain } : { host: e.host, port: e.port }),
      ...(net.isIP(e.host) ? {} : { servername: e.host }),
      ...(e.ca ? { ca: [...tls.rootCertificates, e.ca] } : {}),
      rejectUnauthorized: false,
    });
    return await new Promise((resolve) => {
      socket.setTimeout(TIMEOUT_MS, () => {
        socket.destroy();
        resolve({ error: "no TLS handshake within the timeout" });
      });
      socket.once("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
      socket.once("secureConnect", () => {
        const cert = socket.getPeerCertificate();
        const names = (cert.subjectaltname ?? "")
          .split(/,\s*/)
          .map((n) => n.replace(/^(DNS|IP Address):/, ""))
          .filter(Boolean);
        const identity = tls.checkServerIdentity(e.host, cert);
        const error = !socket.authorized ? String(socket.authorizationError) : identity ? identity.message : undefined;
        socket.end();
        resolve({ ...(error ? { error } : {}), names });
      });
    });
  } catch (err) {
    plain?.destroy();
    return { error: (err as Error).message };
  }
}

/**
 * Every check of one side of one mailbox, stopping at the first that fails (a later one could not run).
 * `credential` names where the password comes from, for the problem's fix.
 */
export async function probeEndpoint(
  mailbox: string,
  side: Side,
  e: Endpoint,
  credential: string,
  auditedBytes?: number,
): Promise<ProbeResult> {
  const r: ProbeResult = {
    mailbox,
    side,
    label: `${e.user}@${e.host}:${e.port}`,
    host: e.host,
    port: e.port,
    tls: e.tls,
    credential,
    ...(auditedBytes !== undefined ? { auditedBytes } : {}),
  };
  const portError = await portOpen(e.host, e.port);
  if (portError) return { ...r, portError };
  const t = await checkTls(e);
  if (t.error) return { ...r, tlsError: t.error, ...(t.names ? { certificateNames: t.names } : {}) };
  if (t.plaintext) r.plaintext = true;
  let client: Awaited<ReturnType<typeof openClient>> | undefined;
  try {
    client = await openClient(e, { retry: { attempts: 1, baseMs: 0, maxMs: 0 }, socketTimeoutMs: TIMEOUT_MS });
  } catch (err) {
    return { ...r, loginError: (err as Error).message };
  }
  try {
    const capabilities = [...client.capabilities.keys()];
    try {
      await client.mailboxOpen("INBOX", { readOnly: true });
    } catch (err) {
      const f = err as { responseText?: string; message?: string };
      return { ...r, capabilities, inboxError: f.responseText || f.message || String(err) };
    }
    const q = capabilities.some((c) => c.toUpperCase() === "QUOTA") ? await client.getQuota("INBOX").catch(() => false as const) : false;
    const storage = q ? q.storage : undefined;
    return {
      ...r,
      capabilities,
      ...(storage
        ? { quota: { usedBytes: storage.usage ?? 0, ...(storage.limit !== undefined ? { limitBytes: storage.limit } : {}) } }
        : {}),
    };
  } finally {
    await closeClient(client);
  }
}

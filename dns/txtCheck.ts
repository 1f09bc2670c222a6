// Is a TXT value visible for a name? Asked as a verifier would ask: through the system resolver, or one given
// server (tests point it at their NSD). Used before Microsoft is asked to verify the MS= record. Node's own
// resolver, not dns/query.ts: this runs inside a dynamic provider, which Pulumi serializes, and built-in modules
// are what serializes cleanly.
import { promises as dnsp } from "node:dns";

/** The TXT values of `name` (strings joined), [] when there are none or the name does not exist. */
export async function txtValues(name: string, server?: { host: string; port: number }): Promise<string[]> {
  const resolver = new dnsp.Resolver({ timeout: 1_000, tries: 2 });
  if (server) resolver.setServers([server.host.includes(":") ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`]);
  try {
    return (await resolver.resolveTxt(name.replace(/\.$/, ""))).map((parts) => parts.join(""));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOTFOUND" || code === "ENODATA" || code === "NXDOMAIN") return [];
    throw e;
  }
}

/** Polls until `value` is among the TXT values of `name` or `waitMs` has passed; the values last seen. */
export async function waitForTxt(
  name: string,
  value: string,
  opts: { server?: { host: string; port: number }; waitMs: number; everyMs?: number },
): Promise<{ found: boolean; seen: string[] }> {
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    let seen: string[] = [];
    try {
      seen = await txtValues(name, opts.server);
    } catch {
      seen = []; // a resolver that times out answers nothing yet
    }
    if (seen.includes(value)) return { found: true, seen };
    if (Date.now() >= deadline) return { found: false, seen };
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 5_000));
  }
}

// The SMTP relay that sends the backup copies, from a URL (smtp://[USER@]HOST:PORT for STARTTLS, smtps:// for
// implicit TLS), as `mailshift notices --smtp` and `mailshift:notices.smtp` give it. Pure; the password comes
// from elsewhere (an environment variable, a Pulumi secret), never from the URL.
import { isLoopbackHost } from "../engine/endpoint";
import { PlanError } from "../plan/errors";
import type { SmtpRelay } from "./deliver";

export class RelayUrlError extends Error {
  override name = "RelayUrlError";
}

/** `where` names the setting in errors (--smtp, mailshift:notices.smtp); `passwordWhere` the place its password goes. */
export function parseRelayUrl(url: string, password: string | undefined, where: string, passwordWhere: string, ca?: string): SmtpRelay {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RelayUrlError(`${where}: "${url}" is not a URL; expected smtp://HOST:PORT or smtps://HOST:PORT`);
  }
  const scheme = u.protocol.replace(/:$/, "");
  if (scheme !== "smtp" && scheme !== "smtps")
    throw new RelayUrlError(`${where}: scheme "${scheme}" is not supported; use smtp:// (STARTTLS) or smtps:// (implicit TLS)`);
  if (u.password) throw new RelayUrlError(`${where}: do not put the password in the URL; set ${passwordWhere} instead`);
  if (u.pathname && u.pathname !== "/") throw new RelayUrlError(`${where}: unexpected path "${u.pathname}"; give scheme, host and port`);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const user = decodeURIComponent(u.username);
  if (user && !password) throw new RelayUrlError(`${where} names the user ${user}: set ${passwordWhere}`);
  return {
    host,
    port: u.port ? Number(u.port) : scheme === "smtps" ? 465 : 587,
    secure: scheme === "smtps",
    // a relay elsewhere gets the message and the login only over TLS
    requireTls: scheme === "smtp" && !isLoopbackHost(host),
    ...(user ? { user, password } : {}),
    ...(ca ? { ca } : {}),
  };
}

/** The relay of mailshift:notices.smtp with the secret mailshift:smtpPassword; undefined when no relay is set. */
export function relayFromConfig(url: string | undefined, password: string | undefined): SmtpRelay | undefined {
  if (!url) return undefined;
  try {
    return parseRelayUrl(
      url,
      password || undefined,
      "mailshift:notices.smtp",
      "mailshift:smtpPassword (pulumi config set --secret mailshift:smtpPassword)",
    );
  } catch (err) {
    if (err instanceof RelayUrlError)
      throw new PlanError("mailshift:notices.smtp", err.message.replace(/^mailshift:notices\.smtp:? /, ""), "");
    throw err;
  }
}

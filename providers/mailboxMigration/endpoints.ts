// From the resource's endpoint inputs to the engine's Endpoint: the credential is resolved here, at call time
// (an OAuth2 token is fetched fresh), and never leaves the provider process.
import type { Endpoint } from "../imap";
import { fetchAccessToken, type FetchLike } from "./tokenSource";
import type { EndpointInput } from "./types";
import { label } from "./outputs";

export async function resolveEndpoint(e: EndpointInput, role: "source" | "destination", fetchImpl?: FetchLike): Promise<Endpoint> {
  const out: Endpoint = {
    host: e.host,
    port: e.port ?? (e.tls === "starttls" ? 143 : 993),
    tls: e.tls ?? "implicit",
    user: e.user,
    insecure: e.insecure ?? false,
  };
  if (e.ca) out.ca = e.ca;
  if (e.password !== undefined) out.password = e.password;
  else if (e.accessToken !== undefined) out.accessToken = e.accessToken;
  else if (e.oauth2) out.accessToken = await fetchAccessToken(e.oauth2, `${role} ${label(out)}`, fetchImpl);
  return out;
}

// From the resource's endpoint inputs to the engine's Endpoint. A password or a ready token is passed as is; an
// OAuth2 token source becomes the engine's accessTokenProvider, asked before every connection, so no token is
// fetched here and none ever leaves the provider process.
import type { Endpoint } from "../../engine";
import { oauth2TokenProvider, type TokenProviderOptions } from "./tokenSource";
import type { EndpointInput } from "./types";
import { label } from "./outputs";

export function resolveEndpoint(e: EndpointInput, role: "source" | "destination", opts: TokenProviderOptions = {}): Endpoint {
  const out: Endpoint = {
    host: e.host,
    port: e.port ?? (e.tls === "starttls" ? 143 : 993),
    tls: e.tls ?? "implicit",
    user: e.user,
    insecure: e.insecure ?? false,
  };
  if (e.ca) out.ca = e.ca;
  if (e.admin) out.admin = e.admin;
  if (e.password !== undefined) out.password = e.password;
  else if (e.accessToken !== undefined) out.accessToken = e.accessToken;
  else if (e.oauth2) out.accessTokenProvider = oauth2TokenProvider(e.oauth2, `${role} ${label(out)}`, opts);
  return out;
}

// cPanel UAPI for mail accounts. UAPI answers HTTP 200 with `status: 0` and an `errors` list when a call fails,
// so success is `status === 1`, never the HTTP code alone. The API token and passwords go in the header and the
// POST body only, never in a URL, a log or an error message.

export interface CpanelEndpoint {
  /** https://host:2083 */
  url: string;
  user: string;
  token: string;
}

/** UAPI's documented response envelope. */
export interface UapiResponse {
  status: 0 | 1;
  errors: string[] | null;
  messages: string[] | null;
  warnings: string[] | null;
  data: unknown;
  metadata: unknown;
}

// Errors are plain Error objects with a name, not a subclass: Pulumi serializes this code into the dynamic
// provider, and a serialized `class extends Error` loses its message (the engine would print "[object Object]").
export interface UapiError extends Error {
  name: "UapiError";
  call: string;
  errors: readonly string[];
  httpStatus: number;
}

export function uapiError(call: string, errors: readonly string[], httpStatus: number, fix: string): UapiError {
  const e = new Error(
    `cPanel ${call} failed${httpStatus === 200 ? "" : ` (HTTP ${httpStatus})`}: ${errors.join("; ") || "no reason given"}. ${fix}`,
  ) as UapiError;
  e.name = "UapiError";
  e.call = call;
  e.errors = errors;
  e.httpStatus = httpStatus;
  return e;
}

export function isUapiError(e: unknown): e is UapiError {
  return e instanceof Error && e.name === "UapiError";
}

/** Whether a failed add_pop means the account is there already (then mailshift adopts it). */
export function isAlreadyExists(errors: readonly string[]): boolean {
  return errors.some((e) => /already exists/i.test(e));
}

/** Quota in cPanel's unit (MB, meaning MiB), rounded up so the account never gets less than planned. */
export function quotaMegabytes(bytes: number): number {
  return Math.ceil(bytes / (1024 * 1024));
}

/** Where the URL and the token come from, for the fix in an error: the stack's keys unless a caller says otherwise. */
export interface UapiSettingNames {
  url: string;
  token: string;
}

const STACK_SETTINGS: UapiSettingNames = {
  url: "mailshift:newHost.url",
  token: "a cPanel API token for mailshift:newHost.user, set with `pulumi config set --secret mailshift:cpanelToken`",
};

export async function uapi(
  ep: CpanelEndpoint,
  module: string,
  fn: string,
  params: Record<string, string>,
  what: string,
  names: UapiSettingNames = STACK_SETTINGS,
): Promise<UapiResponse> {
  const call = `${module}::${fn} (${what})`;
  let res: Response;
  try {
    res = await fetch(`${ep.url}/execute/${module}/${fn}`, {
      method: "POST",
      headers: { authorization: `cpanel ${ep.user}:${ep.token}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params),
    });
  } catch (err) {
    throw uapiError(call, [`cannot reach ${ep.url}: ${(err as Error).message}`], 0, `Check ${names.url} and that the host is up`);
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403) throw uapiError(call, ["the API token was refused"], res.status, `Give ${names.token}`);
  let body: UapiResponse;
  try {
    body = JSON.parse(text) as UapiResponse;
  } catch {
    throw uapiError(
      call,
      [`the answer is not UAPI JSON: ${JSON.stringify(text.slice(0, 120))}`],
      res.status,
      `Check that ${names.url} is the cPanel port (2083), not WHM or webmail`,
    );
  }
  if (res.status !== 200 || body.status !== 1) {
    throw uapiError(call, body.errors ?? [], res.status, "Fix the cause on the cPanel side and run pulumi up again");
  }
  return body;
}

export interface CpanelAccount {
  /** Full address: local part and domain, as cPanel splits them. */
  address: string;
  password: string;
  quotaBytes?: number;
}

function split(address: string): { email: string; domain: string } {
  const at = address.lastIndexOf("@");
  return { email: address.slice(0, at), domain: address.slice(at + 1) };
}

/** Creates the account; one that exists already is adopted: unsuspended, given this password and quota. */
export async function ensureAccount(ep: CpanelEndpoint, a: CpanelAccount): Promise<"created" | "adopted"> {
  const { email, domain } = split(a.address);
  const quota: Record<string, string> = a.quotaBytes === undefined ? {} : { quota: String(quotaMegabytes(a.quotaBytes)) };
  try {
    await uapi(ep, "Email", "add_pop", { email, domain, password: a.password, ...quota }, a.address);
    return "created";
  } catch (err) {
    if (!isUapiError(err) || !isAlreadyExists(err.errors)) throw err;
  }
  await uapi(ep, "Email", "unsuspend_login", { email: a.address }, a.address);
  await uapi(ep, "Email", "passwd_pop", { email, domain, password: a.password }, a.address);
  if (a.quotaBytes !== undefined) await setQuota(ep, a.address, a.quotaBytes);
  return "adopted";
}

export async function setQuota(ep: CpanelEndpoint, address: string, quotaBytes: number | undefined): Promise<void> {
  const { email, domain } = split(address);
  // 0 is cPanel's "unlimited": an unset quota falls back to it on update
  await uapi(
    ep,
    "Email",
    "edit_pop_quota",
    { email, domain, quota: String(quotaBytes === undefined ? 0 : quotaMegabytes(quotaBytes)) },
    address,
  );
}

export async function setPassword(ep: CpanelEndpoint, address: string, password: string): Promise<void> {
  const { email, domain } = split(address);
  await uapi(ep, "Email", "passwd_pop", { email, domain, password }, address);
}

/** Removal suspends the login and keeps the mail (delete_pop would delete it): deleting mail is a person's call. */
export async function suspendAccount(ep: CpanelEndpoint, address: string): Promise<void> {
  await uapi(ep, "Email", "suspend_login", { email: address }, address);
}

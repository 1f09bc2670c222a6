// The `notices` output of `pulumi stack output --json` read back into a NoticePlan. Only the named fields are
// read (the file may hold secrets printed with --show-secrets); every problem names the file and the field.
import { ROUTES, STAGES, type Route, type Stage, type TimeWindow } from "../plan/types";
import type { NoticePerson, NoticePlan, ServerSettings } from "./types";

export class NoticeInputError extends Error {
  override name = "NoticeInputError";
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

class Fields {
  constructor(private readonly file: string) {}
  fail(path: string, problem: string): never {
    throw new NoticeInputError(
      `${this.file}: ${path} ${problem}; write the file with \`pulumi stack output --json\` after \`pulumi up\` with mailshift:notices set`,
    );
  }
  obj(path: string, v: unknown): Obj {
    return isObj(v) ? v : this.fail(path, "is not an object");
  }
  str(path: string, v: unknown): string {
    return typeof v === "string" && v !== "" ? v : this.fail(path, "is missing or not text");
  }
  opt(path: string, v: unknown): string | undefined {
    return v === undefined || v === null ? undefined : this.str(path, v);
  }
  window(path: string, v: unknown): TimeWindow | undefined {
    if (v === undefined || v === null) return undefined;
    const o = this.obj(path, v);
    return { start: this.str(`${path}.start`, o.start), end: this.str(`${path}.end`, o.end) };
  }
  server(path: string, v: unknown): ServerSettings {
    const o = this.obj(path, v);
    const port = o.port;
    if (typeof port !== "number" || !Number.isInteger(port)) this.fail(`${path}.port`, "is not a port number");
    const security = o.security;
    if (security !== "SSL/TLS" && security !== "STARTTLS") this.fail(`${path}.security`, "is neither SSL/TLS nor STARTTLS");
    return { host: this.str(`${path}.host`, o.host), port: port as number, security };
  }
}

/** The stack's stage and its notice plan. */
export function noticePlanFromOutputs(outputs: unknown, file: string): { stage: Stage; plan: NoticePlan } {
  if (!isObj(outputs)) throw new NoticeInputError(`${file}: expected the JSON object \`pulumi stack output --json\` prints`);
  const stage = outputs.stage;
  if (typeof stage !== "string" || !(STAGES as readonly string[]).includes(stage))
    throw new NoticeInputError(
      `${file}: output "stage" is ${stage === undefined ? "missing" : JSON.stringify(stage)}; expected one of ${STAGES.join(", ")}`,
    );
  if (outputs.notices === undefined || outputs.notices === null)
    throw new NoticeInputError(
      `${file}: the stack has no "notices" output: set mailshift:notices (at least contact.name and a contact.phone or contact.url) and run \`pulumi up\``,
    );
  const f = new Fields(file);
  const n = f.obj("notices", outputs.notices);
  const from = f.obj("notices.from", n.from);
  const c = f.obj("notices.contact", n.contact);
  const w = n.windows === undefined ? {} : f.obj("notices.windows", n.windows);
  const phone = f.opt("notices.contact.phone", c.phone);
  const url = f.opt("notices.contact.url", c.url);
  const email = f.opt("notices.contact.email", c.email);
  const cutover = f.window("notices.windows.cutover", w.cutover);
  const finalize = f.window("notices.windows.finalize", w.finalize);
  let newHost: NoticePlan["newHost"];
  if (n.newHost !== undefined && n.newHost !== null) {
    const h = f.obj("notices.newHost", n.newHost);
    newHost = { imap: f.server("notices.newHost.imap", h.imap), smtp: f.server("notices.newHost.smtp", h.smtp) };
  }
  if (!Array.isArray(n.people)) f.fail("notices.people", "is not a list");
  const people: NoticePerson[] = (n.people as unknown[]).map((raw, i) => {
    const at = `notices.people[${i}]`;
    const o = f.obj(at, raw);
    const route = f.str(`${at}.route`, o.route);
    if (!(ROUTES as readonly string[]).includes(route))
      f.fail(`${at}.route`, `is ${JSON.stringify(route)}, not one of ${ROUTES.join(", ")}`);
    if (typeof o.addressChanges !== "boolean") f.fail(`${at}.addressChanges`, "is not true or false");
    const backupAddress = f.opt(`${at}.backupAddress`, o.backupAddress);
    return {
      source: f.str(`${at}.source`, o.source),
      sourceUser: f.str(`${at}.sourceUser`, o.sourceUser),
      displayName: f.str(`${at}.displayName`, o.displayName),
      route: route as Route,
      destination: f.str(`${at}.destination`, o.destination),
      addressChanges: o.addressChanges as boolean,
      ...(backupAddress ? { backupAddress } : {}),
    };
  });
  if (typeof n.oldAddressForwarded !== "boolean") f.fail("notices.oldAddressForwarded", "is not true or false");
  return {
    stage: stage as Stage,
    plan: {
      domain: f.str("notices.domain", n.domain),
      from: { name: f.str("notices.from.name", from.name), address: f.str("notices.from.address", from.address) },
      contact: {
        name: f.str("notices.contact.name", c.name),
        ...(phone ? { phone } : {}),
        ...(url ? { url } : {}),
        ...(email ? { email } : {}),
      },
      windows: { ...(cutover ? { cutover } : {}), ...(finalize ? { finalize } : {}) },
      oldAddressForwarded: n.oldAddressForwarded as boolean,
      ...(newHost ? { newHost } : {}),
      people,
    },
  };
}

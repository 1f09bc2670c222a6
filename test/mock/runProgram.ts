// Runs the compiled program (dist/index.js) under pulumi.runtime.setMocks with a given stack configuration and
// records every resource it declares, with the fake tenant answers Graph and Entra would give.
import assert from "node:assert/strict";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { STAGES, type Stage } from "../../plan/types";
import { repoRoot } from "../../harness/repoRoot";
import { stackConfig, type StackName } from "../unit/plan/stackFiles";

export interface Declared {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** Resource options as the SDK sends them to the engine (read from the registration request; mocks do not see them). */
  options?: ResourceOptionsSent;
}

export interface ResourceOptionsSent {
  protect: boolean;
  retainOnDelete: boolean;
}

/** What the mock monitor's registerResource receives: the SDK's RegisterResourceRequest. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
}

/**
 * Records the protect and retainOnDelete options of every registration: the mock monitor passes only type, name
 * and inputs to newResource, so its registerResource is wrapped to read them from the request itself.
 */
function recordOptions(into: Map<string, ResourceOptionsSent>): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, cb: unknown): unknown;
    readResource(req: RegisterRequest, cb: unknown): unknown;
  };
  // a read (the gates' StackReference to the stack itself) is neither protected nor retained: it owns nothing
  const read = monitor.readResource.bind(monitor);
  monitor.readResource = (req, cb) => {
    into.set(`${req.getType()}::${req.getName()}`, { protect: false, retainOnDelete: false });
    return read(req, cb);
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    into.set(`${req.getType()}::${req.getName()}`, {
      protect: req.getProtect() ?? false,
      retainOnDelete: req.getRetainondelete() ?? false,
    });
    return register(req, cb);
  };
}

export const MS_TXT = "MS=ms48151623";
export const ROLE_ID = "5d9f1d0a-0000-4000-8000-00000000a11c";
export const EXO_SP = "exo-sp-object-id";
export const mxFor = (domain: string) => `${domain.replace(/\./g, "-")}.mail.protection.outlook.com`;
export const dkimFor = (domain: string) => ({
  selector1CNAME: `selector1-${domain.replace(/\./g, "-")}._domainkey.examplecom.n-v1.dkim.mail.microsoft`,
  selector2CNAME: `selector2-${domain.replace(/\./g, "-")}._domainkey.examplecom.n-v1.dkim.mail.microsoft`,
});

/** Fake tenant answers: what Graph and Entra would report once the resources exist. */
function mocks(
  declared: Declared[],
  options: Map<string, ResourceOptionsSent>,
  stacks: Readonly<Record<string, Record<string, unknown>>>,
): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      const sent = options.get(`${args.type}::${args.name}`);
      declared.push({ type: args.type, name: args.name, inputs: args.inputs, ...(sent ? { options: sent } : {}) });
      const state: Record<string, unknown> = { ...args.inputs };
      const domain = typeof args.inputs.domain === "string" ? args.inputs.domain : "";
      if (args.name.endsWith("-domain")) state.verificationTxt = MS_TXT;
      if (args.name.endsWith("-verification")) state.exchangeMx = mxFor(domain);
      // Exchange's DKIM keys (Get-DkimSigningConfig through the admin API), in the form new tenants get
      if (args.name.endsWith("-dkim")) Object.assign(state, { ...dkimFor(domain), enabled: false });
      if (args.name.endsWith("-dkim-signing")) Object.assign(state, { ...dkimFor(domain), enabled: true });
      if (args.type === "azuread:index/servicePrincipal:ServicePrincipal") {
        state.objectId = args.inputs.useExisting ? EXO_SP : `${args.name}-object-id`;
        state.appRoleIds = { "IMAP.AccessAsApp": ROLE_ID, full_access_as_app: "other" };
      }
      if (args.type === "azuread:index/user:User") state.objectId = `${args.name}-object-id`;
      // a created zone's nameservers, as Cloudflare assigns them
      if (args.type === "cloudflare:index/zone:Zone") state.nameServers = ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"];
      if (args.type === "azuread:index/application:Application") state.clientId = "app-client-id";
      if (args.type === "azuread:index/applicationPassword:ApplicationPassword") state.value = "app-secret-value";
      // another stack's outputs (a wave reading its domain stack), as the test gives them; none for the others
      if (args.type === "pulumi:pulumi:StackReference") {
        const name = String(args.inputs.name);
        state.outputs = stacks[name] ?? {};
        state.secretOutputNames = Object.keys(stacks[name] ?? {}).filter((k) => SECRET_OUTPUTS.includes(k));
      }
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs,
  };
}

export const SECRETS = {
  graphClientSecret: "graph-s3cret",
  cpanelToken: "cpanel-t0ken",
  sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----",
};

export const OLD_ADMIN_PASSWORD = "old-admin-s3cret";

/** Outputs another stack holds as secrets (the domain stack's IMAP app, with its client secret). */
const SECRET_OUTPUTS = ["imapApp"];

/**
 * The stack file's config at `stage`, with every secret and the world's gates passed over. `waves`: keep
 * production's waves (test/mock/waves.test.ts); without, the stack runs as one stack copying every mailbox, the
 * layout the other mock tests describe.
 */
export function configFor(stack: StackName, stage: Stage, over: Record<string, unknown> = {}, waves = false): Record<string, string> {
  const c: Record<string, unknown> = { ...stackConfig(stack), "mailshift:stage": stage };

  const prev = STAGES[STAGES.indexOf(stage) - 1];
  if (prev) c["mailshift:previousStage"] = prev;
  else delete c["mailshift:previousStage"];
  // no world to read under mocks: no preflight, and the world's gates passed over (world/gates.ts asks none of them)
  c["mailshift:gates"] = { preflight: false };
  c["mailshift:override"] = {
    gates: ["migrations-verified", "ttl-propagated", "delegation", "preflight", "time-since-cutover", "final-pass-verified"],
    reason: "the program under mocks has no world to read",
  };
  Object.assign(c, over);
  if (!waves) {
    delete c["mailshift:waves"];
    c["mailshift:mailboxes"] = (c["mailshift:mailboxes"] as Record<string, unknown>[]).map(({ wave: _wave, ...m }) => m);
  }
  const mailboxes = c["mailshift:mailboxes"] as { address: string }[];
  if (!("mailshift:passwords" in over))
    c["mailshift:passwords"] = Object.fromEntries(
      mailboxes.map((m) => [m.address, { source: `old-${m.address}`, destination: `new-${m.address}` }]),
    );
  for (const [k, v] of Object.entries(SECRETS)) if (!(`mailshift:${k}` in over)) c[`mailshift:${k}`] = v;
  // the old host's administrator password, when the stack names one (staging: a Dovecot master user)
  if ((c["mailshift:oldHost"] as { admin?: string }).admin && !("mailshift:oldHostAdminPassword" in over))
    c["mailshift:oldHostAdminPassword"] = OLD_ADMIN_PASSWORD;
  return Object.fromEntries(
    Object.entries(c)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** An output's value; undefined for one a preview cannot know (a resource's output the mocks do not give). */
export async function outputValue<T>(o: pulumi.Output<T> | T): Promise<T> {
  // the SDK's own promises (stackReference.js reads them the same way): apply never runs for an unknown value
  const out = pulumi.output(o) as unknown as { isKnown: Promise<boolean>; promise(): Promise<T> };
  return (await out.isKnown) ? await out.promise() : (undefined as T);
}

/**
 * Runs dist/index.js afresh (with the config already set): the entry and the domain program it loads run again for
 * each config (their top level is the program); a wave stack's program is a function the runtime awaits (index.ts),
 * whose result is the outputs.
 */
export async function loadProgram(): Promise<Record<string, unknown>> {
  const main = path.join(repoRoot(), "dist", "index.js");
  for (const m of [main, path.join(repoRoot(), "dist", "programs", "domain.js")]) delete require.cache[m];
  const loaded = require(main) as Record<string, unknown> | (() => Promise<Record<string, unknown>>);
  return typeof loaded === "function" ? await loaded() : loaded;
}

/** Runs the compiled program with the config (as stack `stack`); resolves when no more resources are being declared. */
export async function runProgram(
  config: Record<string, string>,
  stack = "test",
  /** Other stacks' outputs, by stack reference name (a wave's domain stack). */
  stacks: Readonly<Record<string, Record<string, unknown>>> = {},
): Promise<{ declared: Declared[]; exports: Record<string, unknown> }> {
  const declared: Declared[] = [];
  const options = new Map<string, ResourceOptionsSent>();
  await pulumi.runtime.setMocks(mocks(declared, options, stacks), "mailshift", stack, true);
  recordOptions(options);
  pulumi.runtime.setAllConfig(config, [
    "mailshift:passwords",
    "mailshift:graphClientSecret",
    "mailshift:cpanelToken",
    "mailshift:sshPrivateKey",
    "mailshift:oldHostAdminPassword",
    "mailshift:newHostAdminPassword",
    "mailshift:smtpPassword",
  ]);
  const mod = await loadProgram();
  const exports: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(mod)) exports[k] = await outputValue(v);
  let last = -1;
  while (declared.length !== last) {
    last = declared.length;
    await new Promise((r) => setTimeout(r, 300));
  }
  return { declared, exports };
}

/** A value the engine receives as a secret: the SDK's wrapper, unwrapped; fails when it is plain. */
export function secretValue(v: unknown): unknown {
  const w = v as Record<string, unknown> | undefined;
  assert.ok(w && w[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig, `expected a secret, got ${JSON.stringify(v)}`);
  return w.value;
}

export const byName = (declared: Declared[], name: string): Declared => {
  const d = declared.find((x) => x.name === name);
  assert.ok(d, `no resource named ${name}; declared: ${declared.map((x) => x.name).join(", ")}`);
  return d;
};

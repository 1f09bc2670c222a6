import assert from "node:assert/strict";
import { parseConfig } from "../../../plan/config";
import { PlanErrors } from "../../../plan/errors";
import { routeMailboxes } from "../../../plan/routing";
import { checkSecrets, type SecretPresence } from "../../../plan/secrets";
import type { Stage } from "../../../plan/types";
import { rawMailshift } from "./stackFiles";

/** Every secret set; staging's old host has an administrator (oldHost.admin), production's has not. */
const all = (addresses: string[], oldHostAdmin = true): SecretPresence => ({
  graphClientSecret: true,
  cpanelToken: true,
  sshPrivateKey: true,
  oldHostAdminPassword: oldHostAdmin,
  passwords: Object.fromEntries(addresses.map((a) => [a, { source: true, destination: true }])),
});

function paths(stage: Stage, has: SecretPresence, stack: "staging" | "production" = "staging"): string[] {
  const config = { ...parseConfig(rawMailshift(stack)), stage };
  try {
    checkSecrets(config, routeMailboxes(config), has);
    return [];
  } catch (err) {
    assert.ok(err instanceof PlanErrors);
    return err.errors.map((e) => e.path);
  }
}

describe("plan/secrets: the secrets a stage needs", () => {
  const staging = parseConfig(rawMailshift("staging")).mailboxes.map((m) => m.address);

  it("accepts a stack with every secret set", () => {
    assert.deepEqual(paths("finalize", all(staging)), []);
  });

  it("prepare needs the new accounts' passwords but no source passwords", () => {
    const has = all(staging);
    has.passwords = Object.fromEntries(staging.map((a) => [a, { source: false, destination: !a.startsWith("carol") }]));
    assert.deepEqual(paths("prepare", has), ['mailshift:passwords["carol.test@staging-example.com"].destination']);
  });

  it("copy on needs every source password when the old host has no administrator", () => {
    const prod = parseConfig(rawMailshift("production")).mailboxes.map((m) => m.address);
    const has = all(prod, false);
    has.passwords = { ...has.passwords, "alice@example.com": { source: false, destination: false } };
    assert.deepEqual(paths("copy", has, "production"), ['mailshift:passwords["alice@example.com"].source']);
    assert.deepEqual(paths("prepare", has, "production"), []);
  });

  it("with oldHost.admin, copy on needs the administrator's password and no source password", () => {
    const has = all(staging);
    has.passwords = Object.fromEntries(staging.map((a) => [a, { source: false, destination: true }]));
    assert.deepEqual(paths("copy", has), []);
    assert.deepEqual(paths("copy", { ...has, oldHostAdminPassword: false }), ["mailshift:oldHostAdminPassword"]);
    assert.deepEqual(paths("prepare", { ...has, oldHostAdminPassword: false }), [], "no copy in prepare, no admin needed");
    const config = { ...parseConfig(rawMailshift("staging")), stage: "copy" as const };
    assert.throws(() => checkSecrets(config, routeMailboxes(config), { ...has, oldHostAdminPassword: false }), {
      message:
        /^mailshift:oldHostAdminPassword: is not set but stage copy copies every mailbox from the old host as the administrator mspadmin\. Set it with `pulumi config set --secret 'mailshift:oldHostAdminPassword' PASSWORD`/,
    });
  });

  it("an administrator's password without the administrator's login is refused, naming both keys", () => {
    const prod = parseConfig(rawMailshift("production")).mailboxes.map((m) => m.address);
    assert.deepEqual(paths("copy", { ...all(prod, true), newHostAdminPassword: true }, "production"), [
      "mailshift:oldHostAdminPassword",
      "mailshift:newHostAdminPassword",
    ]);
  });

  it("needs the SSH key for Dovecot, the API token for cPanel, the Graph secret for Exchange, with the command to set them", () => {
    const none = { ...all(staging), graphClientSecret: false, cpanelToken: false, sshPrivateKey: false };
    assert.deepEqual(paths("prepare", none), ["mailshift:graphClientSecret", "mailshift:sshPrivateKey"]);
    const prod = parseConfig(rawMailshift("production")).mailboxes.map((m) => m.address);
    assert.deepEqual(paths("prepare", { ...all(prod, false), cpanelToken: false }, "production"), ["mailshift:cpanelToken"]);
    const config = { ...parseConfig(rawMailshift("staging")), stage: "prepare" as const };
    assert.throws(() => checkSecrets(config, routeMailboxes(config), { ...all(staging), sshPrivateKey: false }), {
      message:
        /^mailshift:sshPrivateKey: is not set but the new host is reached over SSH\. Set it with `pulumi config set --secret 'mailshift:sshPrivateKey'/,
    });
  });
});

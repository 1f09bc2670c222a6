// ImapHost: one account per imap-routed mailbox on the new host, with its planned quota. cPanel through UAPI
// (a dynamic resource), Dovecot through a passwd-file edited over SSH by @pulumi/command's remote.Command.
// An account removed from the stack is retained (retainOnDelete): Pulumi forgets it and the host keeps the login
// and its mail, so dropping a mailbox from the stack never deletes mail; remove it on the host when it is done.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { NewHostConfig } from "../plan/types";
import { CpanelMailAccount } from "./imapHost/cpanelAccount";
import { dovecotCommand } from "./imapHost/dovecotScript";

export interface ImapAccountPlan {
  /** The mailbox's accountKey: the resource name part the migrations depend on. */
  key: string;
  address: string;
  quotaBytes?: number;
}

export interface ImapHostArgs {
  host: NewHostConfig;
  accounts: readonly ImapAccountPlan[];
  /** Each account's password (secret). */
  password: (address: string) => pulumi.Input<string>;
  cpanelToken?: pulumi.Input<string>;
  sshPrivateKey?: pulumi.Input<string>;
}

export class ImapHost extends pulumi.ComponentResource {
  /** By accountKey. */
  readonly accounts: Record<string, pulumi.CustomResource> = {};

  constructor(name: string, args: ImapHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mailshift:imap:ImapHost", name, {}, opts);
    const h = args.host;
    for (const a of args.accounts) {
      const rname = `${name}-${a.key}`;
      if (h.kind === "cpanel") {
        if (args.cpanelToken === undefined)
          throw new Error("mailshift:cpanelToken is not set: `pulumi config set --secret mailshift:cpanelToken TOKEN`");
        this.accounts[a.key] = new CpanelMailAccount(
          rname,
          {
            url: h.url,
            user: h.user,
            token: args.cpanelToken,
            address: a.address,
            password: args.password(a.address),
            ...(a.quotaBytes !== undefined ? { quotaBytes: a.quotaBytes } : {}),
          },
          { parent: this, retainOnDelete: true },
        );
      } else {
        if (args.sshPrivateKey === undefined)
          throw new Error("mailshift:sshPrivateKey is not set: `pulumi config set --secret mailshift:sshPrivateKey < KEYFILE`");
        const set = dovecotCommand("set", {
          user: a.address,
          quotaBytes: a.quotaBytes,
          passwdFile: h.passwdFile,
          maildirRoot: h.maildirRoot,
          uid: h.uid,
          gid: h.gid,
        });
        this.accounts[a.key] = new command.remote.Command(
          rname,
          {
            connection: { host: h.ssh.host, port: h.ssh.port, user: h.ssh.user, privateKey: pulumi.secret(args.sshPrivateKey) },
            create: set,
            update: set,
            delete: dovecotCommand("remove", { user: a.address, passwdFile: h.passwdFile }),
            // the password travels on stdin only; the script reads one line
            stdin: pulumi.secret(pulumi.output(args.password(a.address)).apply((p) => `${p}\n`)),
            addPreviousOutputInEnv: false,
          },
          { parent: this, retainOnDelete: true },
        );
      }
    }
    this.registerOutputs({});
  }
}

/** The ImapHost of a plan's imap mailboxes (none without any, or without a newHost), with the stack's secrets. */
export function imapHostOf(
  name: string,
  host: NewHostConfig | undefined,
  mailboxes: readonly { accountKey: string; source: string; destination: string; route: string; quotaBytes?: number }[],
  s: {
    passwordOf(address: string, which: "destination"): pulumi.Output<string> | undefined;
    secret(key: string): pulumi.Output<string> | undefined;
  },
): ImapHost | undefined {
  const imap = mailboxes.filter((m) => m.route === "imap");
  if (!host || imap.length === 0) return undefined;
  return new ImapHost(name, {
    host,
    accounts: imap.map((m) => ({
      key: m.accountKey,
      address: m.destination,
      ...(m.quotaBytes !== undefined ? { quotaBytes: m.quotaBytes } : {}),
    })),
    password: (a) => s.passwordOf(imap.find((m) => m.destination === a)!.source, "destination")!,
    ...(s.secret("cpanelToken") ? { cpanelToken: s.secret("cpanelToken")! } : {}),
    ...(s.secret("sshPrivateKey") ? { sshPrivateKey: s.secret("sshPrivateKey")! } : {}),
  });
}

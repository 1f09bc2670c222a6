// MailboxMigration: one mailbox's copy as a Pulumi resource. create copies everything, update resyncs (copies
// only what is missing), refresh reports what is still missing, delete forgets and never touches mail.
// The decisions live in mailboxMigration/ (check.ts, diff.ts, outputs.ts); this file only declares the resource.
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, hostModule } from "../hostModule";
import type { DriftOutput, FolderOutput, PassOutput, SkippedOutput, TlsMode, TotalsOutput } from "./types";
import type { Watermarks } from "../../engine";

export type { DriftOutput, FolderOutput, PassOutput, SkippedOutput, TotalsOutput, TlsMode };

/** operations.js, required by the dynamic-provider host (never by the program: it loads the copy engine). */
export const MAILBOX_MIGRATION = hostModule<typeof import("./operations")>(
  "mailshift",
  "MailboxMigration",
  path.join(__dirname, "operations.js"),
);
export const MAILBOX_MIGRATION_TYPE: string = MAILBOX_MIGRATION.type;

export interface OAuth2TokenSourceArgs {
  tenantId: pulumi.Input<string>;
  clientId: pulumi.Input<string>;
  /** Made secret here whatever the caller passed. */
  clientSecret: pulumi.Input<string>;
  scope?: pulumi.Input<string>;
  tokenUrl?: pulumi.Input<string>;
}

export interface EndpointArgs {
  host: pulumi.Input<string>;
  port?: pulumi.Input<number>;
  tls?: pulumi.Input<TlsMode>;
  user: pulumi.Input<string>;
  /** Made secret here whatever the caller passed. Exactly one of password, accessToken, oauth2. */
  password?: pulumi.Input<string>;
  accessToken?: pulumi.Input<string>;
  /** For Exchange Online: the app registration that may use IMAP.AccessAsApp. */
  oauth2?: OAuth2TokenSourceArgs;
  insecure?: pulumi.Input<boolean>;
  ca?: pulumi.Input<string>;
  /** Log in as this administrator on `user`'s behalf (SASL PLAIN authzid); `password` is then the admin's. */
  admin?: pulumi.Input<string>;
}

export interface MailboxMigrationArgs {
  source: EndpointArgs;
  destination: EndpointArgs;
  folders?: pulumi.Input<{ rename?: pulumi.Input<Record<string, pulumi.Input<string>>>; exclude?: pulumi.Input<pulumi.Input<string>[]> }>;
  maxMessageBytes?: pulumi.Input<number>;
  connections?: pulumi.Input<number>;
  /** Bump to ask for a delta pass. Default 0. */
  syncGeneration?: pulumi.Input<number>;
}

function secretIfSet(v: pulumi.Input<string> | undefined): pulumi.Output<string> | undefined {
  return v === undefined ? undefined : pulumi.secret(v);
}

/** The endpoint with its credentials marked secret, field by field, so host and user stay readable in previews. */
export function endpointInputs(e: EndpointArgs): Record<string, unknown> {
  const out: Record<string, unknown> = { ...e };
  out.password = secretIfSet(e.password);
  out.accessToken = secretIfSet(e.accessToken);
  if (e.oauth2) out.oauth2 = { ...e.oauth2, clientSecret: pulumi.secret(e.oauth2.clientSecret) };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/**
 * The parent's URN as a plain value. Passing the parent itself would make it a dependency, and the SDK widens a
 * dependency on a component to all of its children: sibling migrations under one component would then wait for
 * each other forever.
 */
function parentUrnWithoutDependency(parent: pulumi.Resource | undefined): pulumi.Input<string> | undefined {
  if (!parent) return undefined;
  return pulumi.output(new Promise<string>((resolve) => parent.urn.apply((u) => resolve(u))));
}

export class MailboxMigration extends DynamicResource {
  /** "user@host:port" of the source mailbox. */
  declare readonly mailbox: pulumi.Output<string>;
  declare readonly destinationMailbox: pulumi.Output<string>;
  declare readonly totals: pulumi.Output<TotalsOutput>;
  /** Counts per source folder. */
  declare readonly perFolder: pulumi.Output<FolderOutput[]>;
  /** At most 50; skippedOmitted counts the rest. */
  declare readonly skipped: pulumi.Output<SkippedOutput[]>;
  declare readonly skippedOmitted: pulumi.Output<number>;
  declare readonly lastPassAt: pulumi.Output<string>;
  declare readonly lastPass: pulumi.Output<PassOutput>;
  declare readonly verified: pulumi.Output<boolean>;
  declare readonly drift: pulumi.Output<DriftOutput>;
  declare readonly syncGeneration: pulumi.Output<number>;
  /** STATUS marks per destination folder from the last pass; the next pass skips folders where nothing moved. */
  declare readonly watermarks: pulumi.Output<Watermarks>;
  /** Folders the last pass did not list because nothing had moved on either side. */
  declare readonly unchangedFolders: pulumi.Output<number>;

  constructor(name: string, args: MailboxMigrationArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = {
      source: endpointInputs(args.source),
      destination: endpointInputs(args.destination),
      folders: args.folders,
      maxMessageBytes: args.maxMessageBytes,
      connections: args.connections,
      syncGeneration: args.syncGeneration ?? 0,
      // So that progress shows on this resource's row in `pulumi up` (the host does not pass the URN).
      statusUrn: pulumi.createUrn(name, MAILBOX_MIGRATION_TYPE, parentUrnWithoutDependency(opts?.parent)),
      // outputs
      mailbox: undefined,
      destinationMailbox: undefined,
      totals: undefined,
      perFolder: undefined,
      skipped: undefined,
      skippedOmitted: undefined,
      lastPassAt: undefined,
      lastPass: undefined,
      verified: undefined,
      drift: undefined,
      watermarks: undefined,
      unchangedFolders: undefined,
    };
    super(MAILBOX_MIGRATION, name, props, opts);
  }
}

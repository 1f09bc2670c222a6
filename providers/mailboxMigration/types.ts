// The shapes the dynamic provider sees: plain values, after the engine has unwrapped secrets (the Node.js
// dynamic-provider host does not accept secrets; the engine re-marks echoed secret properties on the way back).
import type { Watermarks } from "../../engine";

export type TlsMode = "implicit" | "starttls";

/** OAuth2 client-credentials grant (Exchange Online: an app registration with IMAP.AccessAsApp). */
export interface OAuth2TokenSource {
  tenantId: string;
  clientId: string;
  /** Secret. */
  clientSecret: string;
  /** Default https://outlook.office365.com/.default */
  scope?: string;
  /** Default https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/token */
  tokenUrl?: string;
}

export interface EndpointInput {
  host: string;
  /** Default 993 for implicit TLS, 143 for STARTTLS. */
  port?: number;
  /** Default "implicit", or "starttls" when the port is 143. */
  tls?: TlsMode;
  user: string;
  /** Secret. Exactly one of password, accessToken, oauth2. */
  password?: string;
  /** Secret. A ready OAuth2 access token (XOAUTH2); short-lived, so prefer oauth2. */
  accessToken?: string;
  oauth2?: OAuth2TokenSource;
  /** Allow a plaintext login to a host that is not on this machine. */
  insecure?: boolean;
  /** PEM of a CA to trust in addition to the system ones. */
  ca?: string;
  /**
   * Log in as this administrator on `user`'s behalf (SASL PLAIN with `user` as the authorization identity: Dovecot
   * master users, Cyrus admins); `password` is then the administrator's.
   */
  admin?: string;
}

export interface FolderOptionsInput {
  /** Source folder ("/"-separated, as the user sees it) -> destination folder. Children follow. */
  rename?: Record<string, string>;
  /** Source folders or patterns with "*"; a match excludes the folder and its children. */
  exclude?: string[];
}

export interface MigrationInputs {
  source: EndpointInput;
  destination: EndpointInput;
  folders?: FolderOptionsInput;
  maxMessageBytes?: number;
  /** Parallel APPEND connections to the destination (engine default 4). */
  connections?: number;
  /** Bump to ask for a delta pass (the program bumps it at cutover and finalize). */
  syncGeneration: number;
  /** The resource's own URN, so that progress can be attached to its row in `pulumi up`. Not a setting. */
  statusUrn?: string;
}

/** The input properties a diff compares (statusUrn only follows the resource's name, it asks for nothing). */
export const COMPARED_INPUTS = ["source", "destination", "folders", "maxMessageBytes", "connections", "syncGeneration"] as const;

export interface TotalsOutput {
  onSource: number;
  /** Source messages on the destination after the pass (mail that only the destination has is not counted). */
  onDestination: number;
  copied: number;
  alreadyPresent: number;
  skipped: number;
  bytesCopied: number;
  flagsUpdated: number;
}

/** The same counts for one source folder. */
export interface FolderOutput extends TotalsOutput {
  folder: string;
  destination: string;
}

export interface SkippedOutput {
  folder: string;
  uid: number;
  messageId: string;
  size: number;
  reason: string;
}

/** What the last look at both sides found: after a pass, or from a read (refresh). */
export interface DriftOutput {
  checkedAt: string;
  by: "pass" | "refresh";
  /** Source messages not on the destination. */
  missing: number;
  /** Of those, the ones a pass would copy: missing minus those the last pass skipped. An update is pending when > 0. */
  pending: number;
  folders: { folder: string; missing: number; pending: number }[];
  /** Set when the refresh could not look (host down, credentials refused): the counts are then the old ones. */
  error?: string;
}

export interface PassOutput {
  kind: "create" | "update";
  syncGeneration: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  retries: number;
}

export interface MigrationOutputs extends MigrationInputs {
  /** "user@host:port" of the source, safe to print. */
  mailbox: string;
  destinationMailbox: string;
  totals: TotalsOutput;
  /** Counts per source folder ("folders" is the input with renames and excludes). */
  perFolder: FolderOutput[];
  /** At most SKIPPED_LIMIT entries; skippedOmitted says how many more there were. */
  skipped: SkippedOutput[];
  skippedOmitted: number;
  excluded: { folder: string; reason: string }[];
  lastPassAt: string;
  lastPass: PassOutput;
  verified: boolean;
  drift: DriftOutput;
  /**
   * Per destination folder, the STATUS marks (UIDVALIDITY, UIDNEXT, MESSAGES, HIGHESTMODSEQ) of its source folders
   * and of itself when the last pass proved it complete; the next pass skips folders where nothing moved since.
   * Folder paths and counters only, nothing secret.
   */
  watermarks: Watermarks;
  /** Folders the last pass skipped because nothing had moved on either side since the watermarks it was given. */
  unchangedFolders: number;
  /** The error of the last failed pass, cleared by the next complete one. */
  lastError?: { at: string; message: string };
}

export interface CheckFailure {
  property: string;
  reason: string;
}

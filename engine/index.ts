// The copy engine's facade: plain TypeScript on imapflow, no Pulumi. The CLI and the dynamic provider call this.
export { syncMailbox, type SyncOptions } from "./sync";
export { DEFAULT_CONNECTIONS, EXCHANGE_CONNECTIONS, defaultConnections } from "./limits";
export { auditMailbox, type AuditReport, type FolderAudit } from "./audit";
export { verifyMailbox, type VerifyReport, type VerifyOptions, type FolderVerification, type MissingMessage } from "./verify";
export { parseImapUrl, mailboxLabel, isLoopbackHost, type Endpoint, type TlsMode } from "./endpoint";
export type { FolderMapOptions } from "./folderMap";
export type { SyncSummary, FolderSummary, SkippedMessage, Progress, Totals } from "./summary";
export { DEFAULT_RETRY, type RetryPolicy } from "./retry";
export * from "./errors";
export type { Watermarks, GroupWatermark, FolderMark } from "./watermarks";

// What the report shows, as plain data: built from stack outputs (fromOutputs.ts), never holding a secret.
import type { CutoverWindow } from "../plan/cutoverWindow";
import type { Stage, TimeWindow } from "../plan/types";

export interface FolderProgress {
  folder: string;
  onSource: number;
  onDestination: number;
  copied: number;
  skipped: number;
  bytesCopied: number;
}

export interface SkippedNote {
  folder: string;
  size: number;
  reason: string;
}

export interface MailboxProgress {
  onSource: number;
  /** Source messages found on the destination after the last pass. */
  onDestination: number;
  copied: number;
  skipped: number;
  /** Bytes copied by the last pass (a delta pass copies only what was missing). */
  bytesCopied: number;
  verified: boolean;
  lastPassAt?: string;
  folders: FolderProgress[];
  skippedMessages: SkippedNote[];
  /** Skipped messages not listed (the resource keeps at most 50). */
  skippedOmitted: number;
  lastError?: { at: string; message: string };
}

export interface ReportMailbox {
  source: string;
  destination: string;
  route: string;
  /** Absent until a copy pass has reported (prepare, or no counts given). */
  progress?: MailboxProgress;
}

export interface DnsRecordValue {
  value: string;
  /** Seconds; undefined when the change text did not say. */
  ttl?: number;
}

export interface DnsChange {
  action: "add" | "change" | "remove";
  type: string;
  name: string;
  from?: DnsRecordValue;
  to?: DnsRecordValue;
}

export interface ReportData {
  stage: Stage;
  /** When this stage was deployed, if known (the state export's manifest time). */
  deployedAt?: string;
  mailboxes: ReportMailbox[];
  dnsChanges: DnsChange[];
  addressChanges: { from: string; to: string }[];
  warnings: string[];
  /** What the inputs could not tell, said plainly on the page. */
  notes: string[];
  /** The backup channel people use when email does not work (mailshift:notices.contact), when configured. */
  contact?: { name: string; phone?: string; url?: string; email?: string };
  /** Maintenance windows of the stages that change where mail goes (mailshift:notices.windows). */
  windows?: { cutover?: TimeWindow; finalize?: TimeWindow };
  /** From the MX change to every late message verified (plan/cutoverWindow.ts), once cutover is deployed. */
  cutoverWindow?: CutoverWindow;
}

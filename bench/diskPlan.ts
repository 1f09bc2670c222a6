// Whether a scale's mail fits on the disk before any of it is written: a 250 x 1,000 corpus is tens of GB a
// copy, and a run that fills the disk an hour in helps nobody. The estimate comes from the corpus plan alone.
import { estimateSize, planMailbox, type CorpusOptions } from "./generateCorpus";

export interface CopyEstimate {
  messages: number;
  /** RFC822.SIZE total: what IMAP moves. */
  imapBytes: number;
  /** Disk taken by the maildir files (each rounded up to whole blocks) plus an allowance for Dovecot's indexes. */
  diskBytes: number;
}

/** Dovecot's index, cache and UID list per message, generously (measured: ~30 bytes after `doveadm index`). */
export const INDEX_BYTES_PER_MESSAGE = 1024;

/** One copy of the corpus: what the source holds and, give or take the indexes, what each destination receives. */
export function estimateCopy(corpus: CorpusOptions, blockSize: number): CopyEstimate {
  let messages = 0;
  let imapBytes = 0;
  let diskBytes = 0;
  for (let mb = 0; mb < corpus.mailboxes; mb++)
    for (const p of planMailbox(corpus, mb)) {
      const s = estimateSize(p);
      messages += 1;
      imapBytes += s.imapBytes;
      diskBytes += Math.ceil(s.fileBytes / blockSize) * blockSize + INDEX_BYTES_PER_MESSAGE;
    }
  return { messages, imapBytes, diskBytes };
}

/** The resync passes add 1% of new mail up to three times on the source, at most twice on a destination. */
export const SOURCE_GROWTH = 1.03;
export const DESTINATION_GROWTH = 1.02;
/** Headroom for logs, state files, the filesystem's own reserve and estimation error. */
export const MARGIN_SHARE = 0.05;
export const MARGIN_MIN_BYTES = 2 * 2 ** 30;

export type DiskVerdict =
  /** Source and both destinations fit: mbsync's copy stays until the end. */
  | "both-destinations"
  /** Only source and one destination fit: mbsync's copy is removed before mailshift copies. */
  | "one-destination-at-a-time"
  | "does-not-fit";

export interface DiskPlan {
  verdict: DiskVerdict;
  /** Bytes needed for the verdict (for does-not-fit: for one destination at a time). */
  needBytes: number;
  freeBytes: number;
}

function withMargin(bytes: number): number {
  return bytes + Math.max(MARGIN_MIN_BYTES, bytes * MARGIN_SHARE);
}

export function planDisk(copy: CopyEstimate, freeBytes: number): DiskPlan {
  const source = copy.diskBytes * SOURCE_GROWTH;
  const destination = copy.diskBytes * DESTINATION_GROWTH;
  const both = withMargin(source + 2 * destination);
  if (both <= freeBytes) return { verdict: "both-destinations", needBytes: both, freeBytes };
  const one = withMargin(source + destination);
  return { verdict: one <= freeBytes ? "one-destination-at-a-time" : "does-not-fit", needBytes: one, freeBytes };
}

/**
 * The largest attachment rate (a multiple of 0.005) whose corpus fits with one destination at a time, given
 * the copy's size at rate 0 and at the asked rate: size grows linearly with the rate in expectation.
 * Undefined when even text-only mail does not fit.
 */
export function fittingAttachmentRate(atZero: CopyEstimate, atRate: CopyEstimate, rate: number, freeBytes: number): number | undefined {
  const perRate = rate > 0 ? (atRate.diskBytes - atZero.diskBytes) / rate : 0;
  // the largest copy whose source + destination + margin fits: solve withMargin((S + D) * c) <= free for c
  const growth = SOURCE_GROWTH + DESTINATION_GROWTH;
  const copy = Math.min((freeBytes - MARGIN_MIN_BYTES) / growth, freeBytes / (growth * (1 + MARGIN_SHARE)));
  if (copy < atZero.diskBytes) return undefined;
  if (perRate <= 0) return 0;
  return Math.floor(((copy - atZero.diskBytes) / perRate) * 200) / 200;
}

export const sizeText = (bytes: number) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GB` : `${(bytes / 2 ** 20).toFixed(0)} MB`);

/** Why a scale cannot run here, and what to pass instead. */
export function doesNotFitMessage(
  scale: string,
  dir: string,
  rate: number,
  plan: DiskPlan,
  copy: CopyEstimate,
  fitting: number | undefined,
): string {
  const advice =
    fitting !== undefined
      ? `pass --attachment-rate ${fitting.toFixed(3)} or lower`
      : "even text-only mail does not fit; run a smaller scale";
  return (
    `${scale} at attachment rate ${rate} needs about ${sizeText(plan.needBytes)} (the source and one destination of ${sizeText(copy.diskBytes)} each, ` +
    `plus resync deltas and margin) but ${dir} has ${sizeText(plan.freeBytes)} free: ${advice}, or point TMPDIR at a filesystem with more room ` +
    `(the loopback Dovecot servers keep their mail under it).`
  );
}

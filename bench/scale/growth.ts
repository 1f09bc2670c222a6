// How mailshift's resync grows with the mailbox: one text-only mailbox at each size, copied once, then no-op
// passes with watermarks (--state) and, for contrast, without, and --state passes after a fixed 10 new
// messages. If the watermarked passes cost what changed, their time stays flat while the mailbox grows.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Dovecot, stopAllDovecots, type MailUser } from "../../harness/dovecot";
import { planMessage } from "../generateCorpus";
import { addMessages, loadMailboxes } from "../maildirLoad";
import type { Report } from "../report";
import { mailshift, type Run } from "./tools";

const NEW_MESSAGES = 10;
const ROUNDS = 3;

/** Median wall and CPU seconds of some runs, each on its own. */
function median(runs: readonly Run[]): string[] {
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return [mid(runs.map((r) => r.m.wallS)).toFixed(2), mid(runs.map((r) => r.m.cpuS)).toFixed(2)];
}

export async function growth(sizes: readonly number[], seed: number, report: Report): Promise<void> {
  const src = sizes.map((s): MailUser => ({ user: `g${s}`, password: `g${s}-pw` }));
  const dst = sizes.map((s): MailUser => ({ user: `to${s}`, password: `to${s}-pw` }));
  const old = await Dovecot.start({ layout: "old", users: src, name: "growth-old", keepDir: false });
  const fresh = await Dovecot.start({ layout: "new", users: dst, name: "growth-new", keepDir: false });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-growth-"));
  const rows: string[][] = [];
  try {
    for (const [k, size] of sizes.entries()) {
      process.stderr.write(`[bench] growth: ${size} messages\n`);
      await loadMailboxes(old, [src[k].user], { seed, mailboxes: 1, messagesPerMailbox: size, attachmentRate: 0 }, 1);
      const dir = path.join(work, String(size));
      fs.mkdirSync(dir);
      const run = mailshift(dir, old, [src[k]], fresh, [dst[k]], 1);
      const copy = await run(true);
      if (copy.copied !== size) throw new Error(`growth ${size}: the copy moved ${copy.copied} messages, expected ${size}`);
      await run(true); // the first --state pass after a copy records the watermarks of the folders it appended to
      // each figure is the median of ROUNDS passes: a single sub-second pass is at the mercy of the machine
      const noop: Run[] = [];
      const stateless: Run[] = [];
      const delta: Run[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        noop.push(await run(true));
        stateless.push(await run(false));
        const plans = Array.from({ length: NEW_MESSAGES }, (_, i) => planMessage(seed + 1, 0, size + round * NEW_MESSAGES + i, 0));
        await addMessages(old, src[k].user, plans, `d${round}`);
        delta.push(await run(true));
        await run(true); // as after the copy: records the watermarks of the folders the delta appended to
      }
      for (const r of [...noop, ...stateless])
        if (r.copied !== 0) throw new Error(`growth ${size}: a no-op pass copied ${r.copied} messages`);
      for (const r of delta)
        if (r.copied !== NEW_MESSAGES)
          throw new Error(`growth ${size}: a delta pass copied ${r.copied} messages, expected ${NEW_MESSAGES}`);
      rows.push([String(size), ...median(noop), ...median(delta), String(NEW_MESSAGES), ...median(stateless)]);
    }
    report.heading("Resync growth: one text-only mailbox, mailshift");
    report.line(
      `Per size: a copy and a first --state pass, then ${ROUNDS} rounds of a no-op --state pass, a stateless no-op pass, a --state pass after ` +
        `${NEW_MESSAGES} new messages and an unmeasured --state pass that records their folders; medians. Each figure is a whole process, startup included.`,
    );
    report.table({
      head: [
        "messages",
        "no-op --state wall s",
        "CPU s",
        `${NEW_MESSAGES} new --state wall s`,
        "CPU s",
        "copied",
        "no-op stateless wall s",
        "CPU s",
      ],
      rows,
    });
  } finally {
    await stopAllDovecots();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

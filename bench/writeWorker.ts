// A worker thread of loadMailboxes: renders and writes one mailbox of the corpus per message it is sent.
import { parentPort } from "node:worker_threads";
import { planMailbox } from "./generateCorpus";
import { writeMessages, type WriteJob } from "./maildirLoad";

parentPort?.on("message", (job: WriteJob) => {
  parentPort?.postMessage(writeMessages(job.maildir, planMailbox(job.corpus, job.mailbox)));
});

// Runs a pass's plan (passPlan.ts) and decides nothing: the lanes take the groups in the planned order, the next
// group to whichever lane is free. The first lane starts at once; the others join as soon as their connections
// are open (lanes.ts), and a server that turns connections away leaves the pass with fewer lanes.
import { createInboxAlone, openLanes } from "./lanes";
import type { PassPlan } from "./passPlan";
import type { MailboxSession } from "./session";

/**
 * Runs `work` for every group of the plan; stops handing out groups at the first failure, and throws it once the
 * groups under way are done. `more` makes the session of another lane (the caller closes them all).
 */
export async function runPlan(
  plan: PassPlan,
  first: MailboxSession,
  more: () => MailboxSession,
  work: (lane: MailboxSession, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const runLane = async (lane: MailboxSession): Promise<void> => {
    while (!failure && next < plan.order.length) {
      const index = plan.order[next++];
      try {
        await work(lane, index);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  const extra = plan.lanes - 1;
  if (extra) await createInboxAlone(first);
  await Promise.all([runLane(first), openLanes(first, extra, more).then((opened) => Promise.all(opened.map(runLane)))]);
  if (failure) throw failure.err;
}

// Notice plans for the tests: from the example stacks (through the real config parser and planner), and a
// small hand-made one whose people can be given any name.
import { parseConfig } from "../../../plan/config";
import { buildPlan } from "../../../plan/plan";
import { noticePlanFromPlan } from "../../../notices/fromPlan";
import type { NoticePerson, NoticePlan } from "../../../notices/types";
import { rawMailshift, type StackName } from "../plan/stackFiles";

export function stackNoticePlan(stack: StackName): NoticePlan {
  const plan = noticePlanFromPlan(buildPlan(parseConfig(rawMailshift(stack))));
  if (!plan) throw new Error(`the ${stack} example stack has no mailshift:notices`);
  return plan;
}

export function person(over: Partial<NoticePerson> = {}): NoticePerson {
  return {
    source: "bob@example.com",
    sourceUser: "bob@example.com",
    displayName: "Bob Lee",
    route: "imap",
    destination: "bob@mail2.example.com",
    addressChanges: true,
    ...over,
  };
}

export function smallPlan(people: NoticePerson[], over: Partial<NoticePlan> = {}): NoticePlan {
  return {
    domain: "example.com",
    from: { name: "Example IT", address: "it@example.com" },
    contact: { name: "IT help desk", phone: "+1 555 0100", url: "https://status.example.net/mail" },
    windows: { cutover: { start: "2026-12-12T20:00+01:00", end: "2026-12-12T23:00+01:00" } },
    oldAddressForwarded: true,
    newHost: {
      imap: { host: "imap.newhost.net", port: 993, security: "SSL/TLS" },
      smtp: { host: "smtp.newhost.net", port: 587, security: "STARTTLS" },
    },
    people,
    ...over,
  };
}

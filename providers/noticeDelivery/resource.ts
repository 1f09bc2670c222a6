// NoticeDelivery: one person's notice of one stage as a Pulumi resource. `pulumi preview` lists it with its
// recipient, subject and INBOX (credentials are secrets); `pulumi up` delivers it once; delete keeps the mail.
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, hostModule } from "../hostModule";
import { endpointInputs, type EndpointArgs } from "../mailboxMigration/resource";
import type { NoticeDeliveryInputs, RelayInput } from "./types";

/** operations.js, required by the dynamic-provider host at call time. */
export const NOTICE_DELIVERY = hostModule<typeof import("./operations")>(
  "mailshift",
  "NoticeDelivery",
  path.join(__dirname, "operations.js"),
);
export const NOTICE_DELIVERY_TYPE: string = NOTICE_DELIVERY.type;

/** The relay as the program gives it: its password may still be an Output (made secret here). */
export type RelayArgs = Omit<RelayInput, "password"> & { password?: pulumi.Input<string> };

/** The provider's inputs (types.ts) as the program gives them: the INBOX login and the relay may hold Outputs. */
export type NoticeDeliveryArgs = Omit<NoticeDeliveryInputs, "inbox" | "backup"> & {
  inbox: EndpointArgs;
  backup?: { address: string; relay: RelayArgs };
};

export class NoticeDelivery extends DynamicResource {
  declare readonly inboxResult: pulumi.Output<string>;
  declare readonly inboxAt: pulumi.Output<string>;
  declare readonly backupSentAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: NoticeDeliveryArgs, opts?: pulumi.CustomResourceOptions) {
    const relay = args.backup?.relay;
    super(
      NOTICE_DELIVERY,
      name,
      {
        ...args,
        inbox: endpointInputs(args.inbox),
        ...(args.backup && relay
          ? {
              backup: {
                address: args.backup.address,
                relay: { ...relay, ...(relay.password !== undefined ? { password: pulumi.secret(relay.password) } : {}) },
              },
            }
          : {}),
        inboxResult: undefined,
        inboxAt: undefined,
        backupSentAt: undefined,
      },
      opts,
    );
  }
}

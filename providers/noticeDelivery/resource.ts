// NoticeDelivery: one person's notice of one stage as a Pulumi resource. `pulumi preview` lists it with its
// recipient, subject and INBOX (credentials are secrets); `pulumi up` delivers it once; delete keeps the mail.
import * as pulumi from "@pulumi/pulumi";
import { endpointInputs, type EndpointArgs } from "../mailboxMigration/resource";
import { noticeDeliveryProvider } from "./provider";
import type { NoticeDeliveryInputs, RelayInput } from "./types";

export const NOTICE_DELIVERY_TYPE = "pulumi-nodejs:dynamic/mailshift:NoticeDelivery";

/** The relay as the program gives it: its password may still be an Output (made secret here). */
export type RelayArgs = Omit<RelayInput, "password"> & { password?: pulumi.Input<string> };

/** The provider's inputs (types.ts) as the program gives them: the INBOX login and the relay may hold Outputs. */
export type NoticeDeliveryArgs = Omit<NoticeDeliveryInputs, "inbox" | "backup"> & {
  inbox: EndpointArgs;
  backup?: { address: string; relay: RelayArgs };
};

export class NoticeDelivery extends pulumi.dynamic.Resource {
  declare readonly inboxResult: pulumi.Output<string>;
  declare readonly inboxAt: pulumi.Output<string>;
  declare readonly backupSentAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: NoticeDeliveryArgs, opts?: pulumi.CustomResourceOptions) {
    const relay = args.backup?.relay;
    super(
      noticeDeliveryProvider,
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
      "mailshift",
      "NoticeDelivery",
    );
  }
}

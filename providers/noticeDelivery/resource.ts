// NoticeDelivery: one person's notice of one stage as a Pulumi resource. `pulumi preview` lists it with its
// recipient, subject and INBOX (credentials are secrets); `pulumi up` delivers it once; delete keeps the mail.
import * as pulumi from "@pulumi/pulumi";
import type { NoticeStage } from "../../notices/types";
import { endpointInputs, type EndpointArgs } from "../mailboxMigration/resource";
import { noticeDeliveryProvider } from "./provider";

export const NOTICE_DELIVERY_TYPE = "pulumi-nodejs:dynamic/mailshift:NoticeDelivery";

export interface RelayArgs {
  host: string;
  port: number;
  secure: boolean;
  requireTls: boolean;
  user?: string;
  password?: pulumi.Input<string>;
}

export interface NoticeDeliveryArgs {
  stage: NoticeStage;
  recipient: string;
  recipientName: string;
  subject: string;
  messageId: string;
  from: { name: string; address: string };
  text: string;
  html: string;
  inboxHost: "old" | "new";
  appendTo: string;
  inbox: EndpointArgs;
  backup?: { address: string; relay: RelayArgs };
}

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

// StakeholderReport: the IT team's page (report/) as a Pulumi resource, rewritten by `pulumi up` whenever what it
// shows changes (a copy pass, a stage change, the page removed), from the migrations' own outputs.
import * as pulumi from "@pulumi/pulumi";
import type { ReportData } from "../../report/types";
import { stakeholderReportProvider } from "./provider";

export const STAKEHOLDER_REPORT_TYPE = "pulumi-nodejs:dynamic/mailshift:StakeholderReport";

export interface StakeholderReportArgs {
  /** Absolute path of the page. */
  file: pulumi.Input<string>;
  data: pulumi.Input<ReportData>;
  negativeTtl?: number;
}

export class StakeholderReport extends pulumi.dynamic.Resource {
  declare readonly file: pulumi.Output<string>;
  declare readonly writtenAt: pulumi.Output<string>;

  constructor(name: string, args: StakeholderReportArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      stakeholderReportProvider,
      name,
      { ...args, deployedAt: undefined, writtenAt: undefined, sha256: undefined },
      opts,
      "mailshift",
      "StakeholderReport",
    );
  }
}

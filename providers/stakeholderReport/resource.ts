// StakeholderReport: the IT team's page (report/) as a Pulumi resource, rewritten by `pulumi up` whenever what it
// shows changes (a copy pass, a stage change, the page removed), from the migrations' own outputs.
import path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { ReportData } from "../../report/types";
import { DynamicResource, hostModule } from "../hostModule";

/** operations.js, required by the dynamic-provider host at call time. No delete: the page stays (it is the record
 * of the migration), and Pulumi only forgets it. */
export const STAKEHOLDER_REPORT = hostModule<typeof import("./operations")>(
  "mailshift",
  "StakeholderReport",
  path.join(__dirname, "operations.js"),
);
export const STAKEHOLDER_REPORT_TYPE: string = STAKEHOLDER_REPORT.type;

export interface StakeholderReportArgs {
  /** Absolute path of the page. */
  file: pulumi.Input<string>;
  data: pulumi.Input<ReportData>;
  negativeTtl?: number;
}

export class StakeholderReport extends DynamicResource {
  declare readonly file: pulumi.Output<string>;
  declare readonly writtenAt: pulumi.Output<string>;

  constructor(name: string, args: StakeholderReportArgs, opts?: pulumi.CustomResourceOptions) {
    super(STAKEHOLDER_REPORT, name, { ...args, deployedAt: undefined, writtenAt: undefined, sha256: undefined }, opts);
  }
}

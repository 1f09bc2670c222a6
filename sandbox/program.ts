// The sandbox stack's Pulumi program, split as index.ts is: a wave stack (mailshift:domainStack set) runs the
// shared wave program (components/wave.ts) with the sandbox's local Dovecot accounts; any other stack runs the
// sandbox's domain program (sandbox/domain.ts), loaded only then.
import * as pulumi from "@pulumi/pulumi";
import { waveProgram } from "../components/wave";
import { CONFIG_NAMESPACE } from "../plan/config";
import { localAccounts, sandboxAddress, sandboxHost } from "./stack";

const all = pulumi.runtime.allConfig();

export = all[`${CONFIG_NAMESPACE}domainStack`] !== undefined
  ? () =>
      waveProgram({
        accounts: (part, s) => localAccounts(part, sandboxHost(part), s),
        address: sandboxAddress(all),
        check: sandboxHost,
        localAccounts: true,
      })
  : (require("./domain") as Record<string, unknown>);

// The mailshift Pulumi program. A wave stack (mailshift:domainStack set: plan/waves.ts) runs the wave program
// (components/wave.ts): an async function Pulumi's runtime awaits, whose result is the stack's outputs. Any other
// stack runs the domain program (programs/domain.ts), loaded only then so a wave declares nothing of it.
import * as pulumi from "@pulumi/pulumi";
import { imapHostOf } from "./components/imapHost";
import { waveProgram } from "./components/wave";
import { CONFIG_NAMESPACE } from "./plan/config";

const isWave = pulumi.runtime.allConfig()[`${CONFIG_NAMESPACE}domainStack`] !== undefined;

export = isWave
  ? () => waveProgram({ accounts: (part, s) => imapHostOf("imaphost", part.config.newHost, part.mailboxes, s)?.accounts ?? {} })
  : (require("./programs/domain") as Record<string, unknown>);

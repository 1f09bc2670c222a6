// A wrong stack configuration reaches Pulumi from the program (index.ts under mocks) as a RunError, the error
// the language host prints without a JavaScript stack, and its message lists every problem by config path.
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { stackConfig } from "../unit/plan/stackFiles";
import { configFor, runProgram } from "./runProgram";

async function runError(config: Record<string, string>): Promise<Error> {
  try {
    await runProgram(config);
  } catch (err) {
    assert.ok(pulumi.RunError.isInstance(err), `expected a pulumi.RunError, got ${(err as Error).name}: ${(err as Error).message}`);
    return err as Error;
  }
  assert.fail("expected the program to refuse the configuration");
}

describe("program under mocks: plan errors reach Pulumi as a RunError listing every problem", function () {
  this.timeout(60_000);

  it("typos in three nested objects and a bad route: one RunError naming each path and the key meant", async () => {
    const cfg = stackConfig("production");
    const mailboxes = structuredClone(cfg["mailshift:mailboxes"]) as Record<string, unknown>[];
    mailboxes[1]!.route = "pop3";
    const err = await runError(
      configFor("production", "copy", {
        "mailshift:dmarc": { polcy: "reject" },
        "mailshift:oldHost": { ...(cfg["mailshift:oldHost"] as object), imapPrt: 143 },
        "mailshift:ttl": { normal: 14400, lowerd: 60 },
        "mailshift:mailboxes": mailboxes,
      }),
    );
    assert.match(err.message, /^4 problems in the stack configuration:\n/);
    assert.match(err.message, /mailshift:dmarc\.polcy: is not a dmarc setting\. Did you mean `policy`\?/);
    assert.match(err.message, /mailshift:oldHost\.imapPrt: is not an oldHost setting\. Did you mean `imapPort`\?/);
    assert.match(err.message, /mailshift:ttl\.lowerd: is not a ttl setting\. Did you mean `lowered`\?/);
    assert.match(err.message, /mailshift:mailboxes\[1\]\.route: unknown route "pop3"/);
  });

  it("a stage that skips one and a missing secret are RunErrors too", async () => {
    const skip = await runError(configFor("production", "finalize", { "mailshift:previousStage": "copy" }));
    assert.match(skip.message, /^mailshift:stage: changing from copy to finalize skips cutover/);
    const secret = await runError(configFor("staging", "prepare", { "mailshift:sshPrivateKey": undefined }));
    assert.match(secret.message, /^mailshift:sshPrivateKey: is not set/);
  });

  it("an audit file that cannot be read names mailshift:auditFile", async () => {
    const err = await runError(configFor("staging", "prepare", { "mailshift:auditFile": "audit/no-such-file.jsonl" }));
    assert.match(err.message, /^mailshift:auditFile: cannot read audit\/no-such-file\.jsonl \(ENOENT\)/);
  });
});

import assert from "node:assert/strict";
import { parsePreflightArgs } from "../../../cli/preflight";

describe("cli/preflight: the command line", () => {
  it("reads the list, the audit file, parallel and --json", () => {
    assert.deepEqual(parsePreflightArgs(["--mailboxes", "l.json", "--audit", "a.jsonl", "--parallel", "2", "--json"]), {
      mailboxes: "l.json",
      audit: "a.jsonl",
      parallel: 2,
      json: true,
    });
    assert.deepEqual(parsePreflightArgs(["--mailboxes", "l.json"]), { mailboxes: "l.json", parallel: 4, json: false });
  });

  it("says what is missing or wrong, with the usage", () => {
    assert.throws(() => parsePreflightArgs([]), /preflight needs --mailboxes FILE\.json\nusage:/);
    assert.throws(() => parsePreflightArgs(["--mailboxes", "l.json", "--from", "imap://x@y"]), /unknown option "--from"/);
    assert.throws(() => parsePreflightArgs(["--mailboxes", "l.json", "--parallel", "0"]), /--parallel takes a positive whole number/);
    assert.throws(() => parsePreflightArgs(["--mailboxes"]), /--mailboxes needs a value/);
  });
});

import { strict as assert } from "node:assert";
import { rawConfigFrom } from "../../../plan/config";

describe("stack config as the program reads it", () => {
  it("keeps the mailshift keys, parses objects and lists, leaves scalars as text and secrets out", () => {
    const raw = rawConfigFrom({
      "mailshift:domain": "example.com",
      "mailshift:cloudflare": '{"zoneId":"0123"}',
      "mailshift:mailboxes": '[{"address":"a@example.com","route":"imap"}]',
      "mailshift:stage": "prepare",
      "mailshift:cpanelToken": "s3cret",
      "mailshift:passwords": '{"a@example.com":{"source":"pw"}}',
      "cloudflare:apiToken": "other-namespace",
    });
    assert.deepEqual(raw, {
      domain: "example.com",
      cloudflare: { zoneId: "0123" },
      mailboxes: [{ address: "a@example.com", route: "imap" }],
      stage: "prepare",
    });
  });
});

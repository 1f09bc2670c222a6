import { strict as assert } from "node:assert";
import {
  classifyAppendFailure,
  classifyConnectFailure,
  classifySessionFailure,
  isNonexistentFolder,
  serverWords,
  throttleDelayMs,
} from "../../../engine/classify";

describe("failure classification", () => {
  it("stops on refused credentials and unreachable hosts, retries dropped connections", () => {
    assert.equal(classifyConnectFailure({ authenticationFailed: true }), "auth");
    assert.equal(classifyConnectFailure({ serverResponseCode: "AUTHENTICATIONFAILED" }), "auth");
    assert.equal(classifyConnectFailure({ code: "ECONNREFUSED" }), "unreachable");
    assert.equal(classifyConnectFailure({ code: "ENOTFOUND" }), "unknown-host");
    assert.equal(classifyConnectFailure({ code: "InvalidResponse" }), "not-imap");
    assert.equal(classifyConnectFailure({ code: "ERR_SSL_WRONG_VERSION_NUMBER" }), "not-imap");
    assert.equal(classifyConnectFailure({ code: "ECONNRESET" }), "transient");
    assert.equal(classifyConnectFailure({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" }), "tls");
  });

  it("skips one refused message, stops the mailbox when it is over quota", () => {
    assert.equal(
      classifyAppendFailure({
        responseStatus: "NO",
        serverResponseCode: "OVERQUOTA",
        responseText: "Quota exceeded (mailbox for user is full)",
      }),
      "overquota",
    );
    assert.equal(classifyAppendFailure({ responseStatus: "NO", responseText: "Quota exceeded (mailbox for user is full)" }), "overquota");
    assert.equal(
      classifyAppendFailure({ responseStatus: "NO", serverResponseCode: "LIMIT", responseText: "Mail size is too large" }),
      "refused-message",
    );
    assert.equal(
      classifyAppendFailure({ responseStatus: "NO", responseText: "Maximum size of appendable message has been exceeded." }),
      "refused-message",
    );
    assert.equal(classifyAppendFailure({ code: "EConnectionClosed" }), "transient");
    // What a server says as it hangs up is not a refusal of the messages that were on their way.
    assert.equal(
      classifyAppendFailure({ code: "NoConnection", message: "the connection closed (server said: Message too large, closing)" }),
      "transient",
    );
    assert.equal(
      classifyAppendFailure({ responseStatus: "NO", responseText: "Request is throttled. Suggested Backoff Time: 100 milliseconds" }),
      "transient",
    );
  });

  it("treats a BYE or a dropped socket during a folder as transient, anything else as fatal", () => {
    assert.equal(classifySessionFailure({ responseStatus: "BYE" }), "transient");
    assert.equal(classifySessionFailure({ code: "NoConnection" }), "transient");
    assert.equal(classifySessionFailure({ responseStatus: "NO", responseText: "Mailbox doesn't exist" }), "fatal");
    assert.equal(throttleDelayMs({ responseText: "Request is throttled. Suggested Backoff Time: 250 milliseconds" }), 250);
    assert.equal(throttleDelayMs({ responseText: "Mailbox doesn't exist" }), undefined);
    assert.equal(
      isNonexistentFolder({ responseStatus: "NO", serverResponseCode: "NONEXISTENT", responseText: "Mailbox doesn't exist: X" }),
      true,
    );
    assert.equal(serverWords({ serverResponseCode: "OVERQUOTA", responseText: "full" }), "[OVERQUOTA] full");
  });
});

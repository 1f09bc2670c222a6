// mailshift's SPF evaluator against the openspf RFC 7208 test suite (release 2014.04), every scenario, with the
// suite's own zone data as DNS. A result must be one of those the suite allows. Explanations (exp=) are not
// compared: mailshift does not build them (see dns/README.md).
import assert from "node:assert/strict";
import { evaluateSpf } from "../../../dns/spfEval";
import { loadSuite, suitePath } from "./rfc7208Suite";

describe("dns/spfEval: the RFC 7208 test suite (openspf release 2014.04)", () => {
  it("is on this machine (scripts/setup.sh installs python3-spf)", () => {
    assert.ok(suitePath());
  });

  let cases: ReturnType<typeof loadSuite> = [];
  try {
    cases = loadSuite();
  } catch {
    // The test above fails with the reason; no scenario is registered.
  }
  if (cases.length > 0) {
    it("has every scenario of the release (203)", () => assert.equal(cases.length, 203));
  }

  for (const c of cases) {
    it(`${c.id} (RFC 7208 ${c.spec}): ${c.results.join(" or ")}`, async () => {
      // check_host on the MAIL FROM domain; with an empty MAIL FROM, postmaster@HELO (RFC 7208 section 2.4).
      const sender = c.mailfrom === "" ? `postmaster@${c.helo}` : c.mailfrom;
      const domain = sender.slice(sender.lastIndexOf("@") + 1);
      const r = await evaluateSpf({ ip: c.host, domain, sender, helo: c.helo, lookup: c.lookup });
      assert.ok(
        c.results.includes(r.result),
        `got ${r.result}${r.reason ? ` (${r.reason})` : ""}, the suite allows ${c.results.join(" or ")}`,
      );
    });
  }
});

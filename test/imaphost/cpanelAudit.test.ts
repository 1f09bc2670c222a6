// `mailshift audit-many --all-users --cpanel`: every account of a cPanel host sized from one UAPI call
// (Email::list_pops_with_disk), written as the audit file the stack reads. There is no cPanel on this machine:
// the host is a local HTTP stand-in that answers only the request a real cPanel takes (POST
// /execute/Email/list_pops_with_disk with `Authorization: cpanel ACCOUNT:TOKEN`), in UAPI's documented envelope
// with the fields cPanel documents (email, login, _diskused in bytes, diskused in MB). It proves the request's
// shape and our reading of that answer; not how a real cPanel counts disk usage.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../../harness/repoRoot";
import { parseAuditLines } from "../../plan/config";

const TOKEN = "CPTOKEN0123456789ABCDEF";

describe("audit-many --all-users --cpanel against a UAPI stand-in that checks the request", function () {
  this.timeout(60_000);
  const seen: { method?: string; url?: string; auth?: string; type?: string }[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers["content-type"] });
      if (req.headers.authorization !== `cpanel acct:${TOKEN}`) {
        res.writeHead(401, { "content-type": "text/plain" });
        res.end("Access denied");
        return;
      }
      const ok = req.method === "POST" && req.url === "/execute/Email/list_pops_with_disk";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          ok
            ? {
                status: 1,
                errors: null,
                messages: null,
                warnings: null,
                metadata: { transformed: 1 },
                data: [
                  { email: "acct", login: "acct", domain: "example.com", _diskused: "20480", diskused: "0.02", suspended_login: 0 },
                  {
                    email: "ann@example.com",
                    login: "ann@example.com",
                    user: "ann",
                    domain: "example.com",
                    _diskused: "3865470566",
                    diskused: "3686.4",
                  },
                  {
                    email: "ben@example.com",
                    login: "ben@example.com",
                    user: "ben",
                    domain: "example.com",
                    _diskused: 52428800,
                    diskused: 50,
                  },
                ],
              }
            : {
                status: 0,
                errors: [`The module or function does not exist: ${req.url}`],
                messages: null,
                warnings: null,
                data: null,
                metadata: {},
              },
        ),
      );
    });
  });
  let url = "";
  before(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  // not spawnSync: the stand-in answers from this process's event loop
  const run = (token: string, out: string): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [
          path.join(repoRoot(), "bin", "mailshift.js"),
          "audit-many",
          "--all-users",
          "--cpanel",
          url,
          "--cpanel-user",
          "acct",
          "--from",
          "imaps://imap.oldhost.net:993",
          "--out",
          out,
        ],
        { env: { ...process.env, MAILSHIFT_CPANEL_TOKEN: token } },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });

  it("one POST to Email::list_pops_with_disk with the token in the header; every address's bytes in the stack's audit file", async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "cpanel-audit-")), "audit.jsonl");
    const r = await run(TOKEN, out);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(seen.at(-1), {
      method: "POST",
      url: "/execute/Email/list_pops_with_disk",
      auth: `cpanel acct:${TOKEN}`,
      type: "application/x-www-form-urlencoded",
    });
    assert.equal(seen.length, 1, "one call for the whole host");
    assert.deepEqual(parseAuditLines(readFileSync(out, "utf8"), out), { "ann@example.com": 3865470566, "ben@example.com": 52428800 });
    assert.match(readFileSync(out, "utf8"), /"mailbox":"ann@example\.com@imap\.oldhost\.net:993"/);
    assert.match(r.stdout, /wrote 2 audits \(cPanel disk usage\)/);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(TOKEN), "the token is in no output");
  });

  it("a refused token says which variable to set, and never repeats the token", async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "cpanel-audit-")), "audit.jsonl");
    const wrong = "WRONGTOKEN987654321";
    const r = await run(wrong, out);
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /cPanel Email::list_pops_with_disk \(every mail account\) failed \(HTTP 401\): the API token was refused\. Give a cPanel API token for --cpanel-user, in MAILSHIFT_CPANEL_TOKEN/,
    );
    assert.ok(!`${r.stdout}${r.stderr}`.includes(wrong));
  });
});

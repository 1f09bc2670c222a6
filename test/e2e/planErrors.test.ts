// The real Pulumi CLI (scripts/pulumi.sh) previewing mailshift's program (dist/index.js) on a stack whose
// configuration is wrong: the output lists every problem by config path, with the key meant, and no JavaScript
// stack. Local file:// backend, no plugin downloads; nothing is declared, so no provider plugin is needed.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../../harness/repoRoot";
import { ensureEngine } from "../../sandbox/session";
import { stackConfig } from "../unit/plan/stackFiles";

describe("pulumi preview (real CLI) on a stack with config typos: every problem by path, no stack trace", function () {
  this.timeout(300_000);
  let dir: string;
  let bin: string;

  before(function () {
    this.timeout(45 * 60_000); // a first build of the engine on a fresh machine takes ~7-15 minutes
    const b = ensureEngine();
    assert.ok(b, "no pulumi on PATH and no Go toolchain to build one (scripts/pulumi.sh exit 3): run scripts/setup.sh");
    bin = b;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-plan-errors-"));
    for (const d of ["project", "backend", "home"]) fs.mkdirSync(path.join(dir, d));
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const pulumi = (args: string[]) =>
    spawnSync(path.join(bin, "pulumi"), [...args, "--non-interactive"], {
      cwd: path.join(dir, "project"),
      encoding: "utf8",
      env: {
        ...process.env,
        PULUMI_BACKEND_URL: `file://${path.join(dir, "backend")}`,
        PULUMI_HOME: path.join(dir, "home"),
        PULUMI_CONFIG_PASSPHRASE: "plan-errors",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PATH: [path.dirname(process.execPath), bin, process.env.PATH ?? ""].join(path.delimiter),
        NODE_PATH: path.join(repoRoot(), "node_modules"),
      },
    });

  it("names mailshift:dmarc.polcy, oldHost.imapPrt, ttl.lowerd and mailboxes[1].route, suggests the keys meant, prints no '    at ' line", () => {
    const project = path.join(dir, "project");
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: mailshift\nruntime: nodejs\nmain: index.js\n");
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "mailshift-plan-errors", main: "index.js" }));
    fs.writeFileSync(
      path.join(project, "index.js"),
      `module.exports = require(${JSON.stringify(path.join(repoRoot(), "dist", "index.js"))});\n`,
    );
    const config = structuredClone(stackConfig("production"));
    const mailboxes = config["mailshift:mailboxes"] as Record<string, unknown>[];
    mailboxes[1]!.route = "pop3";
    config["mailshift:dmarc"] = { polcy: "reject" };
    config["mailshift:oldHost"] = { ...(config["mailshift:oldHost"] as object), imapPrt: 143 };
    config["mailshift:ttl"] = { normal: 14400, lowerd: 60 };
    // YAML reads JSON
    fs.writeFileSync(path.join(project, "Pulumi.bad.yaml"), JSON.stringify({ config }, null, 1));
    const init = pulumi(["stack", "init", "bad"]);
    assert.equal(init.status, 0, `pulumi stack init failed:\n${init.stdout}\n${init.stderr}`);

    const r = pulumi(["preview"]);
    // colours off, so a stack line in grey is a stack line too
    const out = `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
    assert.notEqual(r.status, 0, `preview accepted the configuration:\n${out}`);
    assert.match(out, /4 problems in the stack configuration:/, out);
    assert.match(out, /mailshift:dmarc\.polcy: is not a dmarc setting\. Did you mean `policy`\? Valid keys: policy, subdomainPolicy, rua/);
    assert.match(out, /mailshift:oldHost\.imapPrt: is not an oldHost setting\. Did you mean `imapPort`\?/);
    assert.match(out, /mailshift:ttl\.lowerd: is not a ttl setting\. Did you mean `lowered`\?/);
    assert.match(out, /mailshift:mailboxes\[1\]\.route: unknown route "pop3"/);
    const stackLines = out.split("\n").filter((l) => /^\s+at /.test(l));
    assert.deepEqual(stackLines, [], `the output shows a JavaScript stack:\n${out}`);
    assert.doesNotMatch(out, /unhandled exception/);
  });
  it("refuses p=reject while Exchange's DKIM signing is not enabled, naming the key and the command", () => {
    const config = structuredClone(stackConfig("production"));
    config["mailshift:exchange"] = {
      ...(config["mailshift:exchange"] as object),
      dkim: {
        selector1CNAME: "selector1-example-com._domainkey.examplecom.n-v1.dkim.mail.microsoft",
        selector2CNAME: "selector2-example-com._domainkey.examplecom.n-v1.dkim.mail.microsoft",
      },
    };
    fs.writeFileSync(path.join(dir, "project", "Pulumi.nodkim.yaml"), JSON.stringify({ config }, null, 1));
    const init = pulumi(["stack", "init", "nodkim"]);
    assert.equal(init.status, 0, `pulumi stack init failed:\n${init.stdout}\n${init.stderr}`);
    const r = pulumi(["preview"]);
    const out = `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
    assert.notEqual(r.status, 0, `preview accepted p=reject without DKIM:\n${out}`);
    assert.match(out, /mailshift:dmarc\.policy: asks for p=reject at example\.com, but its mail is not DKIM-signed/, out);
    assert.match(
      out,
      /run `Set-DkimSigningConfig -Identity example\.com -Enabled \$true` in Exchange Online PowerShell and set mailshift:exchange\.dkim\.enabled to true/,
    );
    assert.deepEqual(
      out.split("\n").filter((l) => /^\s+at /.test(l)),
      [],
      out,
    );
  });
});

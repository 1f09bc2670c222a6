// The cPanel path against a local HTTP server that answers in UAPI's documented shape
// ({ status, errors, messages, warnings, data, metadata }), including failures as HTTP 200 with status 0.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { asHosted } from "../mock/hostedProvider";
import { CPANEL_MAIL_ACCOUNT, type CpanelAccountInputs } from "../../components/imapHost/cpanelAccount";

// the provider as the dynamic-provider host loads it from the resource's `__provider` module
const cpanelAccountProvider = asHosted(CPANEL_MAIL_ACCOUNT);
import { isUapiError, quotaMegabytes, uapi } from "../../components/imapHost/cpanelUapi";

interface Account {
  password: string;
  quota: string;
  suspended: boolean;
}

/** A tiny fake of cPanel's Email module: enough state to tell whether the right calls were made. */
class FakeCpanel {
  readonly accounts = new Map<string, Account>();
  readonly calls: { fn: string; params: Record<string, string> }[] = [];
  /** Next call of this function answers HTTP 200, status 0 with these errors. */
  failNext = new Map<string, string[]>();
  private server = http.createServer((req, res) => this.handle(req, res));
  url = "";

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify(obj));
      };
      if (req.headers.authorization !== "cpanel acct:TOKEN123") {
        res.writeHead(401, { "content-type": "text/plain" });
        res.end("Access denied");
        return;
      }
      const m = /^\/execute\/Email\/(\w+)$/.exec(req.url ?? "");
      const params = Object.fromEntries(new URLSearchParams(body));
      const ok = (data: unknown = null) => send(200, { status: 1, errors: null, messages: null, warnings: null, data, metadata: {} });
      const fail = (errors: string[]) => send(200, { status: 0, errors, messages: null, warnings: null, data: null, metadata: {} });
      if (!m) return fail([`The module or function does not exist: ${req.url}`]);
      const fn = m[1]!;
      this.calls.push({ fn, params });
      const forced = this.failNext.get(fn);
      if (forced) {
        this.failNext.delete(fn);
        return fail(forced);
      }
      const full = params.domain ? `${params.email}@${params.domain}` : params.email!;
      const acct = this.accounts.get(full);
      switch (fn) {
        case "add_pop":
          if (acct) return fail([`The account ${full} already exists!`]);
          this.accounts.set(full, { password: params.password!, quota: params.quota ?? "default", suspended: false });
          return ok(full);
        case "edit_pop_quota":
          if (!acct) return fail([`The account ${full} does not exist.`]);
          acct.quota = params.quota!;
          return ok();
        case "passwd_pop":
          if (!acct) return fail([`The account ${full} does not exist.`]);
          acct.password = params.password!;
          return ok();
        case "suspend_login":
        case "unsuspend_login":
          if (!acct) return fail([`The account ${full} does not exist.`]);
          acct.suspended = fn === "suspend_login";
          return ok();
        default:
          return fail([`The function ${fn} does not exist in this fake.`]);
      }
    });
  }
}

describe("imapHost/cpanel: accounts over UAPI", () => {
  const cp = new FakeCpanel();
  let inputs: CpanelAccountInputs;
  before(async () => {
    await cp.start();
    inputs = {
      url: cp.url,
      user: "acct",
      token: "TOKEN123",
      address: "bob@mail2.example.com",
      password: "s3cret!",
      quotaBytes: 5 * 1024 ** 3 + 1,
    };
  });
  after(() => cp.stop());

  it("create calls Email::add_pop with the quota in MB (rounded up) and the password in the POST body", async () => {
    const r = await cpanelAccountProvider.create!(inputs);
    assert.equal(r.id, "bob@mail2.example.com");
    assert.deepEqual(cp.accounts.get("bob@mail2.example.com"), { password: "s3cret!", quota: "5121", suspended: false });
    assert.deepEqual(cp.calls.at(-1), {
      fn: "add_pop",
      params: { email: "bob", domain: "mail2.example.com", password: "s3cret!", quota: "5121" },
    });
    assert.equal(quotaMegabytes(1), 1);
  });

  it("update calls Email::edit_pop_quota for a quota change and Email::passwd_pop for a new password", async () => {
    const news = { ...inputs, quotaBytes: 8 * 1024 ** 3, password: "n3w" };
    const d = await cpanelAccountProvider.diff!("bob@mail2.example.com", { ...inputs }, news);
    assert.deepEqual([d.changes, d.replaces], [true, []]);
    await cpanelAccountProvider.update!("bob@mail2.example.com", inputs, news);
    assert.deepEqual(cp.accounts.get("bob@mail2.example.com"), { password: "n3w", quota: "8192", suspended: false });
    assert.deepEqual(
      cp.calls.slice(-2).map((c) => c.fn),
      ["edit_pop_quota", "passwd_pop"],
    );
  });

  it("a status 0 answer on HTTP 200 is a failure, with cPanel's errors in the message", async () => {
    cp.failNext.set("edit_pop_quota", ["The quota exceeds the maximum allowed for this account (4096 MB)."]);
    await assert.rejects(
      cpanelAccountProvider.update!(
        "bob@mail2.example.com",
        { ...inputs, password: "n3w" },
        { ...inputs, password: "n3w", quotaBytes: 9 * 1024 ** 3 },
      ),
      (err: Error) => {
        assert.ok(isUapiError(err));
        assert.equal(
          err.message,
          "cPanel Email::edit_pop_quota (bob@mail2.example.com) failed: The quota exceeds the maximum allowed for this account (4096 MB).. Fix the cause on the cPanel side and run pulumi up again",
        );
        assert.ok(!err.message.includes("n3w") && !err.message.includes("TOKEN123"));
        return true;
      },
    );
    assert.equal(cp.accounts.get("bob@mail2.example.com")!.quota, "8192");
  });

  it("delete suspends the login and keeps the mailbox; create adopts it again", async () => {
    await cpanelAccountProvider.delete!("bob@mail2.example.com", { ...inputs, password: "n3w" });
    assert.equal(cp.accounts.get("bob@mail2.example.com")!.suspended, true);
    const r = await cpanelAccountProvider.create!({ ...inputs, password: "again", quotaBytes: 1024 ** 3 });
    assert.equal(r.outs?.adopted, true);
    assert.deepEqual(cp.accounts.get("bob@mail2.example.com"), { password: "again", quota: "1024", suspended: false });
    assert.deepEqual(
      cp.calls.slice(-4).map((c) => c.fn),
      ["add_pop", "unsuspend_login", "passwd_pop", "edit_pop_quota"],
    );
  });

  it("an add_pop refusal other than 'already exists' stops with cPanel's reason", async () => {
    cp.failNext.set("add_pop", ["The domain “mail2.example.com” does not exist."]);
    await assert.rejects(
      cpanelAccountProvider.create!({ ...inputs, address: "zed@mail2.example.com" }),
      /add_pop \(zed@mail2\.example\.com\) failed: The domain “mail2\.example\.com” does not exist\./,
    );
    assert.equal(cp.accounts.has("zed@mail2.example.com"), false);
  });

  it("a refused token says how to set a new one, without echoing it", async () => {
    await assert.rejects(uapi({ url: cp.url, user: "acct", token: "WRONG" }, "Email", "add_pop", {}, "x"), (err: Error) => {
      assert.match(err.message, /HTTP 401.*the API token was refused.*pulumi config set --secret mailshift:cpanelToken/);
      assert.ok(!err.message.includes("WRONG"));
      return true;
    });
  });

  it("the provider as the host loads it, a second time, creates and suspends accounts the same way", async () => {
    const provider = asHosted(CPANEL_MAIL_ACCOUNT);
    await provider.create!({ ...inputs, address: "sam@mail2.example.com", quotaBytes: 3 * 1024 ** 2 });
    assert.deepEqual(cp.accounts.get("sam@mail2.example.com"), { password: "s3cret!", quota: "3", suspended: false });
    cp.failNext.set("suspend_login", ["You do not have the feature “popaccts”."]);
    await assert.rejects(
      provider.delete!("sam@mail2.example.com", { ...inputs, address: "sam@mail2.example.com" }),
      /suspend_login \(sam@mail2\.example\.com\) failed: You do not have the feature/,
    );
  });

  it("changing the address or the host replaces the account", async () => {
    const d = await cpanelAccountProvider.diff!("x", inputs, { ...inputs, address: "robert@mail2.example.com" });
    assert.deepEqual(d.replaces, ["address"]);
  });
});

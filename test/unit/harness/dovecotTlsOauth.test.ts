// The Dovecot options added for TLS and OAuth2 tests, read from the generated config: what each turns on, and
// that a server started without them is configured as before (plaintext only, passwords only).
import { strict as assert } from "node:assert";
import { dovecotConfig, oauth2PassdbConfig, type ConfigInput } from "../../../harness/dovecot";

const base: ConfigInput = {
  layout: "new",
  dir: "/tmp/dc-x",
  port: 10143,
  instanceName: "t",
  identity: { uid: 1000, gid: 1000, loginUser: "u", internalUser: "u", internalGroup: "g", asRoot: false },
  fsync: false,
};

const lines = (c: string) => c.split("\n").map((l) => l.trim());

describe("Dovecot harness: TLS and OAuth2 options", () => {
  it("without them: no TLS, no imaps listener, password mechanisms only, one passdb", () => {
    const l = lines(dovecotConfig(base));
    assert.ok(l.includes("ssl = no"));
    assert.ok(l.includes("auth_mechanisms = plain login"));
    assert.equal(l.filter((x) => x === "port = 0").length, 1, "the imaps listener stays off");
    assert.equal(l.filter((x) => x === "passdb {").length, 1);
  });

  it("tls: certificate and key files, STARTTLS on the imap port and implicit TLS on the imaps port, on loopback", () => {
    const c = dovecotConfig({ ...base, tls: { cert: "/pki/server.pem", key: "/pki/server.key" }, imapsPort: 10993 });
    const l = lines(c);
    assert.ok(l.includes("ssl = yes"));
    assert.ok(l.includes("ssl_cert = </pki/server.pem"));
    assert.ok(l.includes("ssl_key = </pki/server.key"));
    assert.match(c, /inet_listener imaps \{\n\s+address = 127\.0\.0\.1\n\s+port = 10993\n\s+ssl = yes\n\s+\}/);
    assert.match(c, /inet_listener imap \{\n\s+address = 127\.0\.0\.1\n\s+port = 10143\n/);
  });

  it("oauth2: XOAUTH2 and OAUTHBEARER, checked by an oauth2 passdb that POSTs the token to the given URL", () => {
    const l = lines(dovecotConfig({ ...base, oauth2: { introspectionUrl: "http://127.0.0.1:9/introspect" } }));
    assert.ok(l.includes("auth_mechanisms = plain login xoauth2 oauthbearer"));
    assert.ok(l.includes("driver = oauth2"));
    assert.ok(l.includes("args = /tmp/dc-x/oauth2.conf.ext"));
    const ext = lines(oauth2PassdbConfig({ introspectionUrl: "http://127.0.0.1:9/introspect" }));
    assert.ok(ext.includes("introspection_mode = post"));
    assert.ok(ext.includes("introspection_url = http://127.0.0.1:9/introspect"));
    assert.ok(ext.includes("username_attribute = username"));
    assert.ok(ext.includes("active_attribute = active") && ext.includes("active_value = true"));
  });
});

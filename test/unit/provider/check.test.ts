import { strict as assert } from "node:assert";
import fc from "fast-check";
import { checkInputs } from "../../../providers/mailboxMigration/check";
import { UNKNOWN } from "../../../providers/mailboxMigration/unknown";

const valid = () => ({
  source: { host: "old.example.com", port: 143, tls: "starttls", user: "alice@example.com", password: "old-secret-pw" },
  destination: {
    host: "outlook.office365.com",
    user: "alice@example.com",
    oauth2: { tenantId: "t-1", clientId: "c-1", clientSecret: "client-secret-value" },
  },
  syncGeneration: 2,
});

function failures(news: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of checkInputs(news).failures) out[f.property] = f.reason;
  return out;
}

describe("MailboxMigration check", () => {
  it("accepts a complete input and fills the default port and TLS mode", () => {
    const r = checkInputs(valid());
    assert.deepEqual(r.failures, []);
    assert.equal(r.inputs.destination.port, 993);
    assert.equal(r.inputs.destination.tls, "implicit");
    assert.equal(r.inputs.source.port, 143);
    assert.equal(r.inputs.syncGeneration, 2);
  });

  it("defaults STARTTLS for port 143 and port 143 for STARTTLS, and syncGeneration to 0", () => {
    const a = checkInputs({ ...valid(), source: { host: "h", port: 143, user: "u", password: "pw1" }, syncGeneration: undefined });
    assert.equal(a.inputs.source.tls, "starttls");
    assert.equal(a.inputs.syncGeneration, 0);
    const b = checkInputs({ ...valid(), source: { host: "h", tls: "starttls", user: "u", password: "pw1" } });
    assert.equal(b.inputs.source.port, 143);
  });

  it("names the property and says what is wrong", () => {
    const v = valid();
    assert.deepEqual(failures({ ...v, source: { ...v.source, port: 70000 } }), {
      "source.port": "must be a whole number from 1 to 65535, not 70000",
    });
    assert.deepEqual(failures({ ...v, source: { ...v.source, port: "143" } }), {
      "source.port": 'must be a whole number from 1 to 65535, not "143"',
    });
    assert.deepEqual(failures({ ...v, source: { ...v.source, tls: "ssl" } }), {
      "source.tls": 'must be "implicit" (imaps, usually port 993) or "starttls" (usually port 143), not "ssl"',
    });
    assert.deepEqual(failures({ ...v, source: { ...v.source, host: "imaps://old.example.com" } }), {
      "source.host": 'give the host name only, not a URL: "imaps://old.example.com"',
    });
    assert.deepEqual(failures({ ...v, source: { ...v.source, user: "" } }), { "source.user": "must not be empty" });
    assert.deepEqual(failures({ ...v, destination: undefined }), {
      destination: "is required: an object with host, user and a password (or an OAuth2 token source)",
    });
    assert.deepEqual(failures({ ...v, connections: 0 }), { connections: "must be a whole number from 1 to 32, not 0" });
    assert.deepEqual(failures({ ...v, maxMessageBytes: -5 }), { maxMessageBytes: "must be a positive whole number of bytes, not -5" });
    assert.deepEqual(failures({ ...v, syncGeneration: 1.5 }), { syncGeneration: "must be a whole number, 0 or more, not 1.5" });
    assert.deepEqual(failures({ ...v, folders: { exclude: ["Trash", ""] } }), {
      "folders.exclude[1]": 'must be a folder name or a pattern with *, not ""',
    });
    assert.deepEqual(failures({ ...v, folders: { rename: { Sent: 3 } } }), {
      'folders.rename["Sent"]': "must be a destination folder name, not 3",
    });
    assert.deepEqual(failures({ ...v, sourcee: {} }), {
      sourcee: "unknown property; expected one of source, destination, folders, maxMessageBytes, connections, syncGeneration, statusUrn",
    });
    assert.deepEqual(failures({ ...v, source: { ...v.source, pass: "x" } }), {
      "source.pass": "unknown property; expected one of host, port, tls, user, password, accessToken, oauth2, insecure, ca, admin",
    });
    // a CA read from its PEM file ends with a newline: taken as is
    assert.deepEqual(failures({ ...v, source: { ...v.source, ca: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" } }), {});
    // an administrator logs in with a password, never a token
    const { password: _pw, ...tokenOnly } = v.source;
    assert.deepEqual(failures({ ...v, source: { ...tokenOnly, accessToken: "a-token", admin: "mspadmin" } }), {
      "source.admin": "logs in with a password (SASL PLAIN): give the administrator's password as source.password",
    });
  });

  it("asks for exactly one credential per endpoint", () => {
    const v = valid();
    const { password: _drop, ...noCredential } = v.source;
    assert.deepEqual(failures({ ...v, source: noCredential }), {
      "source.password": "is required (or source.oauth2 for an OAuth2 token source, or source.accessToken)",
    });
    assert.deepEqual(failures({ ...v, source: { ...v.source, accessToken: "tok-abc" } }), {
      source: "give exactly one of password, accessToken and oauth2",
    });
    assert.deepEqual(failures({ ...v, destination: { ...v.destination, oauth2: { tenantId: "t", clientId: "c" } } }), {
      "destination.oauth2.clientSecret": "is required",
    });
    assert.deepEqual(
      failures({ ...v, destination: { ...v.destination, oauth2: { ...v.destination.oauth2, tokenUrl: "http://login.example.com/t" } } }),
      {
        "destination.oauth2.tokenUrl": 'must be an https:// URL (http:// only on this machine), not "http://login.example.com/t"',
      },
    );
  });

  it("refuses a secret too short to be redacted from logs", () => {
    const v = valid();
    assert.deepEqual(failures({ ...v, source: { ...v.source, password: "ab" } }), {
      "source.password": "is shorter than 3 characters: too short to be kept out of logs; check the value",
    });
  });

  it("refuses a destination that is the source mailbox itself", () => {
    const v = valid();
    assert.deepEqual(failures({ ...v, destination: { ...v.source, host: "OLD.example.com", password: "other" } }), {
      destination: "is the same mailbox as source (alice@example.com@old.example.com:143); copying a mailbox onto itself would do nothing",
    });
  });

  it("does not judge values that are not known yet (preview)", () => {
    const v = valid();
    const r = checkInputs({ ...v, destination: { ...v.destination, user: UNKNOWN }, syncGeneration: UNKNOWN });
    assert.deepEqual(r.failures, []);
    assert.deepEqual(failures({ ...v, destination: UNKNOWN }), {});
  });

  it("never repeats a secret in a failure, whatever is wrong around it", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8, maxLength: 30 }).filter((s) => s.trim() === s && s.trim().length >= 8),
        fc.constantFrom<unknown>(0, -1, 70000, "x", null, [], {}),
        fc.constantFrom("password", "accessToken"),
        (secret, badPort, key) => {
          const v = valid();
          const news = {
            ...v,
            source: { host: "h", user: "u", port: badPort, [key]: secret, oauth2: { tenantId: "t", clientId: "c", clientSecret: secret } },
            destination: { host: "h", user: "u", password: 12345, accessToken: secret },
          };
          for (const f of checkInputs(news).failures)
            assert.ok(!f.reason.includes(secret) && !f.property.includes(secret), `${f.property}: ${f.reason}`);
        },
      ),
    );
  });

  it("every failure names a property path that exists in the input's shape", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom("host", "port", "tls", "user", "password", "insecure", "ca"),
          fc.oneof(fc.string(), fc.integer(), fc.boolean()),
        ),
        (source) => {
          for (const f of checkInputs({ ...valid(), source }).failures) assert.match(f.property, /^source(\.[a-z]+)?$/);
        },
      ),
    );
  });
});

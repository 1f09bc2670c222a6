// METADATA as an admin turns it on, for the watermarks mailshift keeps on the destination: read from the generated
// configs, and absent from a server started without it.
import { strict as assert } from "node:assert";
import { imapdConf, type CyrusConfigInput } from "../../../harness/cyrus";
import { dovecotConfig, type ConfigInput } from "../../../harness/dovecot";

const dovecot: ConfigInput = {
  layout: "new",
  dir: "/tmp/dc-x",
  port: 10143,
  instanceName: "t",
  identity: { uid: 1000, gid: 1000, loginUser: "u", internalUser: "u", internalGroup: "g", asRoot: false },
  fsync: false,
};
const cyrus: CyrusConfigInput = {
  hierarchy: "slash",
  dir: "/tmp/cy-x",
  root: "/tmp/cy-x/root",
  port: 10143,
  servername: "t",
  user: "cyrus",
};

describe("harness: METADATA on the new host", () => {
  it("Dovecot: imap_metadata in the IMAP protocol and a dict for the entries, only when asked", () => {
    const on = dovecotConfig({ ...dovecot, metadata: true });
    assert.match(on, /^mail_attribute_dict = file:%h\/dovecot-attributes$/m);
    assert.match(on, /protocol imap \{[^}]*imap_metadata = yes/);
    assert.doesNotMatch(dovecotConfig(dovecot), /imap_metadata|mail_attribute_dict/);
  });

  it("Cyrus: entries of the user's own naming allowed, only when asked", () => {
    assert.match(imapdConf({ ...cyrus, metadata: true }), /^annotation_allow_undefined: yes$/m);
    assert.doesNotMatch(imapdConf(cyrus), /annotation_allow_undefined/);
  });
});

// A throwaway PKI for TLS tests, made with the openssl command line: a test CA, a server certificate for
// 127.0.0.1 and localhost signed by it, and one signed by the same CA for another name (the wrong-name test).
// Dovecot takes the PEM files as `tls` in DovecotOptions; clients trust `caPem`.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TlsFiles } from "./dovecot";

export class TlsHarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TlsHarnessError";
  }
}

export interface TestPki {
  dir: string;
  /** The CA certificate, PEM: what a client is told to trust. */
  caPem: string;
  caFile: string;
  /** For 127.0.0.1, ::1 and localhost. */
  server: TlsFiles;
  /** Signed by the same CA for `wrongName` only: a client connecting to 127.0.0.1 must refuse it. */
  wrongName: TlsFiles;
  wrongNameHost: string;
  /** Removes the folder. */
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    const why = e.stderr?.toString().trim() || e.message;
    if (/ENOENT/.test(e.message)) throw new TlsHarnessError("openssl is not installed: apt-get install -y openssl");
    throw new TlsHarnessError(`openssl ${args[0]} failed in ${cwd}: ${why}`);
  }
}

/** A key and a certificate for `subjectAltName`, signed by the CA in `dir`. */
function issue(dir: string, name: string, cn: string, san: string, days: number): TlsFiles {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.pem`);
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(
    ext,
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(
    [
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      csr,
      "-subj",
      `/CN=${cn}`,
    ],
    dir,
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      String(days),
      "-sha256",
      "-extfile",
      ext,
      "-out",
      cert,
    ],
    dir,
  );
  return { cert, key };
}

/** Makes the CA and both server certificates in a fresh temp folder (about 100 ms: EC keys). */
export function makeTestPki(opts: { days?: number } = {}): TestPki {
  const days = opts.days ?? 2;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-pki-"));
  // Dovecot's config process reads the files (as root it could anyway; as a user it is ourselves)
  fs.chmodSync(dir, 0o755);
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      String(days),
      "-sha256",
      "-subj",
      "/CN=mailshift test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  const server = issue(dir, "server", "localhost", "IP:127.0.0.1,IP:::1,DNS:localhost", days);
  const wrongNameHost = "imap.wrong-name.test";
  const wrongName = issue(dir, "wrong", wrongNameHost, `DNS:${wrongNameHost}`, days);
  const caFile = path.join(dir, "ca.pem");
  return {
    dir,
    caPem: fs.readFileSync(caFile, "utf8"),
    caFile,
    server,
    wrongName,
    wrongNameHost,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

// What the sandbox's LocalDovecotAccount does: the same account script ImapHost sends over SSH
// (components/imapHost/dovecotScript.ts), run here with `sh -c` on this machine, the password on stdin only.
import { spawnSync } from "node:child_process";
import { dovecotCommand } from "../components/imapHost/dovecotScript";

export interface LocalAccountInputs {
  address: string;
  password: string;
  quotaBytes?: number;
  passwdFile: string;
  maildirRoot: string;
  uid: string;
  gid: string;
}

function run(command: string, stdin: string, what: string): void {
  const r = spawnSync("sh", ["-c", command], { input: stdin, encoding: "utf8" });
  // the script never echoes the password; its stderr names the user and what went wrong
  if (r.status !== 0) throw new Error(`sandbox account ${what} failed (exit ${r.status ?? r.signal}): ${r.stderr.trim()}`);
}

function set(i: LocalAccountInputs): void {
  run(
    dovecotCommand("set", {
      user: i.address,
      quotaBytes: i.quotaBytes,
      passwdFile: i.passwdFile,
      maildirRoot: i.maildirRoot,
      uid: i.uid,
      gid: i.gid,
    }),
    `${i.password}\n`,
    `set ${i.address}`,
  );
}

export async function create(inputs: LocalAccountInputs): Promise<{ id: string; outs: LocalAccountInputs }> {
  set(inputs);
  return { id: inputs.address, outs: inputs };
}

export async function diff(
  _id: string,
  olds: LocalAccountInputs,
  news: LocalAccountInputs,
): Promise<{ changes: boolean; replaces: string[] }> {
  const keys = ["address", "password", "quotaBytes", "passwdFile", "maildirRoot", "uid", "gid"] as const;
  const changed = keys.filter((k) => olds[k] !== news[k]);
  return { changes: changed.length > 0, replaces: changed.filter((k) => k === "address" || k === "passwdFile") };
}

export async function update(_id: string, _olds: LocalAccountInputs, news: LocalAccountInputs): Promise<{ outs: LocalAccountInputs }> {
  set(news);
  return { outs: news };
}

/** Drops the login; the maildir and its mail stay, as on a real host. */
export async function remove(_id: string, props: LocalAccountInputs): Promise<void> {
  run(dovecotCommand("remove", { user: props.address, passwdFile: props.passwdFile }), "", `remove ${props.address}`);
}

// The shell that manages one Dovecot account in a passwd-file. remote.Command runs it over SSH; the tests run
// the very same command line locally with bash against the test Dovecot. The password arrives on stdin only
// (never in argv, the environment or a log). Mail is never deleted: `remove` drops the login, the maildir stays.
//
//   set    USER QUOTA_BYTES PASSWDFILE MAILROOT UID GID   (stdin: password) add or replace the account
//   quota  USER QUOTA_BYTES PASSWDFILE                    change the quota, keep the password
//   remove USER PASSWDFILE                                remove the account's line (or its file)
//
// PASSWDFILE may contain %u: one file per user, as Dovecot's passwd-file args allow. QUOTA_BYTES 0 = no quota.

export const DOVECOT_ACCOUNT_SCRIPT = String.raw`set -euo pipefail
umask 027
action=$1; user=$2
case "$user" in
  ''|-*|*[!A-Za-z0-9._@+-]*) echo "mailshift-account: bad user name '$user'" >&2; exit 2 ;;
esac
lc_user=$(printf '%s' "$user" | tr 'A-Z' 'a-z')
file_for() { printf '%s' "$1" | sed "s/%u/$lc_user/g"; }
quota_field() { if [ "$1" -gt 0 ]; then printf 'userdb_quota_rule=*:storage=%sB' "$1"; fi; }
# Replace FILE with the content of TMP, atomically, with an mtime Dovecot will notice (it re-stats once a second).
commit() {
  local file=$1 tmp=$2 old
  if [ -e "$file" ]; then
    chown --reference="$file" "$tmp" 2>/dev/null || true
    chmod --reference="$file" "$tmp"
    old=$(stat -c %Y "$file")
    if [ "$(date +%s)" -le "$old" ]; then touch -d "@$((old + 1))" "$tmp"; fi
  else
    # a new file: readable by the directory's group (Dovecot's auth process), like root:dovecot 640
    chgrp "$(stat -c %g "$(dirname "$file")")" "$tmp" 2>/dev/null || true
    chmod 640 "$tmp"
  fi
  mv -f "$tmp" "$file"
}
# Every line of FILE except USER's, then LINE (when given), into a temp file; commit it.
rewrite() {
  local file=$1 line=$2 tmp
  tmp=$(mktemp "$(dirname "$file")/.mailshift.XXXXXX")
  if [ -e "$file" ]; then awk -F: -v u="$lc_user" 'tolower($1) != u' "$file" > "$tmp"; fi
  if [ -n "$line" ]; then printf '%s\n' "$line" >> "$tmp"; fi
  if [ ! -s "$tmp" ] && [ "$file" != "$passwd_template" ]; then rm -f "$tmp" "$file"; return; fi
  commit "$file" "$tmp"
}
hash_password() {
  local pw
  IFS= read -r pw || [ -n "$pw" ] || { echo "mailshift-account: no password on stdin for $user" >&2; exit 2; }
  case "$pw" in *:*) echo "mailshift-account: the password of $user contains ':' which a passwd-file cannot hold" >&2; exit 2 ;; esac
  if command -v openssl >/dev/null; then printf '%s\n' "$pw" | openssl passwd -6 -stdin | sed 's/^/{SHA512-CRYPT}/'
  else printf '%s\n%s\n' "$pw" "$pw" | doveadm pw -s SHA512-CRYPT; fi
}
case "$action" in
  set)
    quota=$3; passwd_template=$4; root=$5; uid=$6; gid=$7
    file=$(file_for "$passwd_template")
    case "$uid" in *[!0-9]*) uid=$(id -u "$uid") ;; esac
    case "$gid" in *[!0-9]*) gid=$(getent group "$gid" | cut -d: -f3) ;; esac
    hash=$(hash_password)
    home="$root/$lc_user"
    mkdir -p "$home/Maildir"
    chown "$uid:$gid" "$home" "$home/Maildir" 2>/dev/null || true
    exec 9>>"$passwd_template.lock"; flock 9
    rewrite "$file" "$lc_user:$hash:$uid:$gid::$home::$(quota_field "$quota")"
    ;;
  quota)
    quota=$3; passwd_template=$4
    file=$(file_for "$passwd_template")
    exec 9>>"$passwd_template.lock"; flock 9
    line=$( [ -e "$file" ] && awk -F: -v u="$lc_user" 'tolower($1) == u' "$file" | head -n 1 || true)
    [ -n "$line" ] || { echo "mailshift-account: $user is not in $file; create it first (stage prepare)" >&2; exit 3; }
    line=$(printf '%s' "$line" | awk -F: -v OFS=: -v q="$(quota_field "$quota")" '{ NF = 7; print $0 ":" q }')
    rewrite "$file" "$line"
    ;;
  remove)
    passwd_template=$3
    file=$(file_for "$passwd_template")
    exec 9>>"$passwd_template.lock"; flock 9
    rewrite "$file" ""
    ;;
  *) echo "mailshift-account: unknown action '$action' (set, quota, remove)" >&2; exit 2 ;;
esac
`;

/** A shell word: single-quoted, with embedded quotes escaped, safe for the remote shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface DovecotAccountSpec {
  user: string;
  quotaBytes: number | undefined;
  passwdFile: string;
  maildirRoot: string;
  uid: string;
  gid: string;
}

/** The command line the SSH session runs (and the tests run locally). */
export function dovecotCommand(action: "set", a: DovecotAccountSpec): string;
export function dovecotCommand(action: "quota", a: Pick<DovecotAccountSpec, "user" | "quotaBytes" | "passwdFile">): string;
export function dovecotCommand(action: "remove", a: Pick<DovecotAccountSpec, "user" | "passwdFile">): string;
export function dovecotCommand(
  action: "set" | "quota" | "remove",
  a: Partial<DovecotAccountSpec> & { user: string; passwdFile: string },
): string {
  const q = String(a.quotaBytes ?? 0);
  const args =
    action === "set"
      ? [a.user, q, a.passwdFile, a.maildirRoot!, a.uid!, a.gid!]
      : action === "quota"
        ? [a.user, q, a.passwdFile]
        : [a.user, a.passwdFile];
  return `bash -c ${shellQuote(DOVECOT_ACCOUNT_SCRIPT)} mailshift-account ${[action, ...args].map(shellQuote).join(" ")}`;
}

// The namespace's secret keys, in one place for the parser (plan/config.ts) and the waves (plan/waves.ts).

/** Keys set with `pulumi config set --secret`; the programs read them as secrets, never the plan. */
export const SECRET_KEYS: readonly string[] = [
  "cloudflareApiToken",
  "cpanelToken",
  "sshPrivateKey",
  "graphClientSecret",
  "passwords",
  "smtpPassword",
  "oldHostAdminPassword",
  "newHostAdminPassword",
];

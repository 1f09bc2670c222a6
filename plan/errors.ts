// Errors raised while turning the stack configuration into a plan. Each names the config path it is about
// (as `pulumi config set --path` spells it) and says what to do.

export class PlanError extends Error {
  constructor(
    /** e.g. `mailshift:mailboxes[3].route` */
    readonly path: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(fix ? `${path}: ${problem}. ${fix}` : `${path}: ${problem}`);
    this.name = "PlanError";
  }
}

/** Several problems found in one pass: the user fixes them all before the next preview. */
export class PlanErrors extends Error {
  constructor(readonly errors: readonly PlanError[]) {
    super(
      errors.length === 1
        ? errors[0]!.message
        : `${errors.length} problems in the stack configuration:\n${errors.map((e) => `  - ${e.message}`).join("\n")}`,
    );
    this.name = "PlanErrors";
  }
}

/** The config path of a key in the `mailshift` namespace, with `.field` and `[i]` parts. */
export function cfgPath(key: string, ...parts: (string | number)[]): string {
  return childPath(`mailshift:${key}`, ...parts);
}

/** `path` followed by `.field` and `[i]` parts (a key that is not a plain name is quoted: `["a b"]`). */
export function childPath(path: string, ...parts: (string | number)[]): string {
  return `${path}${parts.map((p) => (typeof p === "number" ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join("")}`;
}

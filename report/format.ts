// Numbers, sizes and times as people read them: the one formatter of the report page, the notices and the command
// line.

/**
 * An integer with thousands separators, as `toLocaleString("en-US")` writes it, without it: its first call loads
 * ICU's number formats, about 9 ms of a run's start-up. Other numbers go to toLocaleString.
 */
export function count(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString("en-US");
  const digits = String(Math.abs(n));
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}

/** "70 B", "4.9 KB", "12.3 MB": binary multiples, one decimal. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** "42s", "3m05s", "1h02m": how long a pass took, on the command line. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** "5 minutes", "1 hour 30 minutes", "2 days". */
export function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} second${s === 1 ? "" : "s"}`;
  const parts: string[] = [];
  // rounded up: "propagated within" must not promise too early
  const total = Math.ceil(s / 60);
  const d = Math.floor(total / 1440);
  const h = Math.floor((total % 1440) / 60);
  const m = total % 60;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  if (d) parts.push(plural(d, "day"));
  if (h) parts.push(plural(h, "hour"));
  if (m) parts.push(plural(m, "minute"));
  return parts.join(" ") || "0 minutes";
}

/** "Sat, 28 Nov 2026 14:05 UTC": one unambiguous zone for everyone reading the page. */
export function when(iso: string | Date): string {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return String(iso);
  const day = d.toUTCString().slice(0, 16);
  return `${day} ${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")} UTC`;
}

export function percent(part: number, whole: number): number {
  if (whole <= 0) return 100;
  return Math.floor((part / whole) * 1000) / 10;
}

// A maintenance window in words, in the local time the stack wrote it in (its UTC offset kept, never converted:
// the IT team wrote the time people live by). Pure and independent of the machine's time zone.
import type { TimeWindow } from "../plan/types";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2})?(Z|[+-]\d{2}:\d{2})$/;

interface Local {
  day: string;
  time: string;
  zone: string;
}

function local(iso: string): Local {
  const m = ISO.exec(iso);
  if (!m) throw new Error(`${JSON.stringify(iso)} is not a time with its UTC offset (2026-12-12T20:00+01:00)`);
  const [, y, mo, d, h, mi, off] = m;
  const weekday = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))).getUTCDay();
  return {
    day: `${DAYS[weekday]} ${Number(d)} ${MONTHS[Number(mo) - 1]} ${y}`,
    time: `${h}:${mi}`,
    zone: off === "Z" || off === "+00:00" ? "UTC" : `UTC${off}`,
  };
}

/** "Saturday 12 December 2026, 20:00 to 23:00 (UTC+01:00)"; both days are named when the window spans midnight. */
export function describeWindow(w: TimeWindow): string {
  const a = local(w.start);
  const b = local(w.end);
  if (a.zone !== b.zone) return `${a.day}, ${a.time} (${a.zone}) to ${b.day}, ${b.time} (${b.zone})`;
  if (a.day === b.day) return `${a.day}, ${a.time} to ${b.time} (${a.zone})`;
  return `${a.day}, ${a.time} to ${b.day}, ${b.time} (${a.zone})`;
}

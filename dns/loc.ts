// LOC records (RFC 1876) in the one form BIND prints: `52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m`.
// Minutes, seconds, size and precisions are optional when written; sizes are stored as a digit times a power of
// ten centimetres, so 1.5m is kept as 1m, as every server serving the record keeps it.

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Centimetres from `12`, `12m`, `12.5m`, `-2.00m`; undefined when not a length. */
function centimetres(text: string, signed: boolean): number | undefined {
  const m = (signed ? /^(-?)(\d+)(?:\.(\d{1,2}))?m?$/ : /^()(\d+)(?:\.(\d{1,2}))?m?$/).exec(text);
  if (!m) return undefined;
  const cm = Number(m[2]) * 100 + Number((m[3] ?? "").padEnd(2, "0"));
  return m[1] ? -cm : cm;
}

/** A size or precision as RFC 1876 stores it (one digit, a power of ten) and BIND prints it. */
function sizeText(cm: number): string {
  let exp = 0;
  while (exp < 9 && cm >= POW10[exp + 1]!) exp++;
  const mantissa = Math.floor(cm / POW10[exp]!);
  return exp > 1 ? `${mantissa * POW10[exp - 2]!}m` : `0.${String(mantissa * POW10[exp]!).padStart(2, "0")}m`;
}

/** The normalized LOC data from its fields; throws an Error saying which field is wrong. */
export function normalizeLoc(fields: readonly string[]): string {
  let i = 0;
  const angle = (hemispheres: string, max: number): string => {
    const deg = Number(fields[i++]);
    let min = 0;
    let sec = "0.000";
    if (fields[i] !== undefined && /^\d+$/.test(fields[i]!)) {
      min = Number(fields[i++]);
      if (fields[i] !== undefined && /^\d+(\.\d{1,3})?$/.test(fields[i]!)) {
        const [s, frac = ""] = fields[i++]!.split(".");
        sec = `${Number(s)}.${frac.padEnd(3, "0")}`;
      }
    }
    const h = (fields[i++] ?? "").toUpperCase();
    if (!Number.isInteger(deg) || deg > max || min > 59 || Number(sec) >= 60 || !hemispheres.includes(h) || h === "") {
      throw new Error(
        `a ${hemispheres === "NS" ? "latitude" : "longitude"} as degrees [minutes [seconds]] ${hemispheres.split("").join(" or ")}`,
      );
    }
    return `${deg} ${min} ${sec} ${h}`;
  };
  const lat = angle("NS", 90);
  const lon = angle("EW", 180);
  const alt = centimetres(fields[i++] ?? "", true);
  if (alt === undefined) throw new Error("an altitude in metres, like -2.00m");
  const sizes = [100, 1_000_000, 1000].map((fallback, k) => {
    const f = fields[i + k];
    if (f === undefined) return fallback;
    const cm = centimetres(f, false);
    if (cm === undefined || cm > 9e9)
      throw new Error(`${["a size", "a horizontal precision", "a vertical precision"][k]} in metres, like 10m`);
    return cm;
  });
  if (fields.length > i + 3) throw new Error(`nothing after the vertical precision, got ${JSON.stringify(fields[i + 3])}`);
  const a = Math.abs(alt);
  const altText = `${alt < 0 ? "-" : ""}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}m`;
  return [lat, lon, altText, ...sizes.map(sizeText)].join(" ");
}

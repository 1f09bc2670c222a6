// BIND's $GENERATE directive (BIND 9 ARM, "The $GENERATE Directive"): one line standing for a run of records,
// `$GENERATE 1-20/2 host$ CNAME web${10,3,d}`. Expanded here into the text of each record, which the zone-file
// parser then reads like any other line.

/** The upper bound on records one $GENERATE line may stand for: a typo like 1-1000000000 fails instead of hanging. */
export const GENERATE_MAX = 100_000;

export class GenerateError extends Error {}

/** The iterator values of `start-stop[/step]`. */
export function generateRange(range: string): number[] {
  const m = /^(\d+)-(\d+)(?:\/(\d+))?$/.exec(range);
  if (!m) throw new GenerateError(`a range start-stop or start-stop/step, got ${JSON.stringify(range)}`);
  const [start, stop, step] = [Number(m[1]), Number(m[2]), m[3] === undefined ? 1 : Number(m[3])];
  if (start > stop) throw new GenerateError(`a range whose start is not above its stop, got ${range}`);
  if (step < 1) throw new GenerateError(`a step of at least 1, got ${range}`);
  if ((stop - start) / step + 1 > GENERATE_MAX) throw new GenerateError(`at most ${GENERATE_MAX} records per $GENERATE line, got ${range}`);
  const out: number[] = [];
  for (let i = start; i <= stop; i += step) out.push(i);
  return out;
}

/**
 * Replace `$` with the iterator and `${offset[,width[,base]]}` with it shifted, zero-padded and in base d, o, x
 * or X; `\$` stays a literal dollar (kept escaped, as names keep their escapes). Nibble bases (n, N) are refused.
 */
export function generateText(template: string, value: number): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === "\\" && i + 1 < template.length) {
      out += template.slice(i, i + 2);
      i++;
      continue;
    }
    if (c !== "$") {
      out += c;
      continue;
    }
    if (template[i + 1] !== "{") {
      out += String(value);
      continue;
    }
    const close = template.indexOf("}", i);
    const m = close < 0 ? null : /^(-?\d+)(?:,(\d+)(?:,([a-zA-Z]))?)?$/.exec(template.slice(i + 2, close));
    if (!m) throw new GenerateError(`a modifier like \${offset,width,base} in ${JSON.stringify(template)}`);
    const [offset, width, base] = [Number(m[1]), m[2] === undefined ? 0 : Number(m[2]), m[3] ?? "d"];
    const v = value + offset;
    if (v < 0) throw new GenerateError(`a non-negative value, got ${v} from ${JSON.stringify(template)}`);
    const radix = { d: 10, o: 8, x: 16, X: 16 }[base];
    if (radix === undefined)
      throw new GenerateError(`base d, o, x or X in ${JSON.stringify(template)} (nibble modes n and N are not supported)`);
    const digits = v.toString(radix);
    out += (base === "X" ? digits.toUpperCase() : digits).padStart(width, "0");
    i = close;
  }
  return out;
}

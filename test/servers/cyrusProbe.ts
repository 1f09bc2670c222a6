// Measures what a real Cyrus server does with awkward input, over a raw socket so that every server line is seen
// exactly (the findings in harness/SERVERS.md). Not a test: run it by hand after building:
//   node dist/test/servers/cyrusProbe.js [dot|slash]
import { Cyrus, type CyrusHierarchy } from "../../harness/cyrus";
import { astring, RawImap } from "../../harness/rawImap";

const MAX = 2000;
const user = { user: "probe", password: "probe-pw" };

function show(label: string, v: unknown): void {
  console.log(`\n## ${label}`);
  if (Array.isArray(v)) for (const l of v) console.log(`  ${typeof l === "string" ? JSON.stringify(l) : JSON.stringify(l)}`);
  else console.log(`  ${typeof v === "string" ? v : JSON.stringify(v, null, 1)}`);
}

function hex(b: Buffer): string {
  return [...b].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : `<${x.toString(16).padStart(2, "0")}>`)).join("");
}

/** APPENDs raw bytes with a synchronizing literal and returns the exact exchange. */
async function appendSync(c: RawImap, folder: string, raw: Buffer): Promise<string[]> {
  const tag = c.nextTag();
  c.write(Buffer.concat([Buffer.from(`${tag} APPEND `), astring(folder), Buffer.from(` {${raw.length}}\r\n`)]));
  const first = await c.nextLine(5_000);
  const out = [`S: ${first}`];
  if (first?.startsWith("+")) {
    c.write(Buffer.concat([raw, Buffer.from("\r\n")]));
    const r = await c.until(tag, 10_000);
    out.push(...r.lines.map((l) => `S: ${l}`), `S: ${tag} ${r.status} ${r.text}`);
  }
  return out;
}

/** Fetches the last message of the selected folder: RFC822.SIZE and the exact bytes. */
async function lastMessage(c: RawImap): Promise<{ size: number; body: Buffer; line: string }> {
  const r = await c.command(["UID FETCH", "*", "(RFC822.SIZE BODY.PEEK[] ENVELOPE)"]);
  const line = r.lines.find((l) => /FETCH/.test(l)) ?? "";
  const size = Number(/RFC822\.SIZE (\d+)/.exec(line)?.[1] ?? -1);
  const m = /BODY\[\] \{(\d+)\}\r\n/.exec(line);
  const start = m ? line.indexOf(m[0]) + m[0].length : 0;
  const body = m ? Buffer.from(line.slice(start, start + Number(m[1])), "latin1") : Buffer.alloc(0);
  return { size, body, line };
}

async function countIn(cy: Cyrus, box: string): Promise<string> {
  const c = await RawImap.connect(cy.host, cy.port);
  try {
    await c.command(["LOGIN", astring(user.user), astring(user.password)]);
    const r = await c.command(["STATUS", astring(box), "(MESSAGES)"]);
    return /MESSAGES (\d+)/.exec(r.lines.join(" "))?.[1] ?? `${r.status} ${r.text}`;
  } finally {
    c.close();
  }
}

async function probe(h: CyrusHierarchy): Promise<void> {
  const cy = await Cyrus.start({ hierarchy: h, users: [user], name: `probe-${h}`, maxMessageBytes: MAX, keepDir: false });
  const p = cy.spec.prefix;
  const sep = cy.spec.separator;
  try {
    console.log(`# Cyrus, hierarchy ${h}, maxmessagesize ${MAX}`);
    const c = await RawImap.connect(cy.host, cy.port);
    show("greeting", c.greeting);
    show("CAPABILITY before login", (await c.command(["CAPABILITY"])).lines);
    const login = await c.command(["LOGIN", astring(user.user), astring(user.password)]);
    show("LOGIN", `${login.status} ${login.text}`);
    show("CAPABILITY after login", (await c.command(["CAPABILITY"])).lines);
    const box = `${p}Probe`;
    await c.command(["CREATE", astring(box)]);
    await c.command(["SELECT", astring(box)]);

    const cases: Array<[string, Buffer]> = [
      ["CRLF reference", Buffer.from("Subject: crlf\r\nMessage-ID: <a@x>\r\n\r\nline1\r\nline2\r\n", "latin1")],
      ["bare LF everywhere", Buffer.from("Subject: lf\nMessage-ID: <b@x>\n\nline1\nline2\n", "latin1")],
      ["bare LF in the body only", Buffer.from("Subject: lf-body\r\nMessage-ID: <c@x>\r\n\r\nline1\nline2\r\n", "latin1")],
      ["bare CR in the body", Buffer.from("Subject: cr\r\nMessage-ID: <d@x>\r\n\r\nline1\rline2\r\n", "latin1")],
      ["bare CR in a header", Buffer.from("Subject: cr\rhead\r\nMessage-ID: <e@x>\r\n\r\nbody\r\n", "latin1")],
      [
        "8-bit Subject (latin1 e9, utf-8 c3 a9, 80, ff)",
        Buffer.concat([
          Buffer.from("Subject: caf"),
          Buffer.from([0xe9, 0x20, 0xc3, 0xa9, 0x20, 0x80, 0xff]),
          Buffer.from("\r\nMessage-ID: <f@x>\r\n\r\nbody\r\n"),
        ]),
      ],
      [
        "8-bit From display name (utf-8)",
        Buffer.concat([
          Buffer.from("From: "),
          Buffer.from("Jos\u00e9 <j@x>", "utf8"),
          Buffer.from("\r\nSubject: s\r\nMessage-ID: <g@x>\r\n\r\nbody\r\n"),
        ]),
      ],
      [
        "8-bit Message-ID (utf-8 c3 a9)",
        Buffer.concat([Buffer.from("Subject: mid8\r\nMessage-ID: <caf"), Buffer.from([0xc3, 0xa9]), Buffer.from("@x>\r\n\r\nbody\r\n")]),
      ],
      [
        "8-bit body (utf-8)",
        Buffer.concat([Buffer.from("Subject: b8\r\nMessage-ID: <h@x>\r\n\r\n"), Buffer.from("caf\u00e9\r\n", "utf8")]),
      ],
      ["no Message-ID", Buffer.from("Subject: no id\r\nFrom: a@x\r\n\r\nbody\r\n", "latin1")],
      [
        "8-bit in a MIME part's header (utf-8 filename)",
        Buffer.concat([
          Buffer.from(
            'Subject: mime8\r\nMessage-ID: <j@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="caf',
          ),
          Buffer.from([0xc3, 0xa9]),
          Buffer.from('.txt"\r\n\r\nhi\r\n--b--\r\n'),
        ]),
      ],
      ["NUL in the body", Buffer.from("Subject: nul\r\nMessage-ID: <i@x>\r\n\r\na\0b\r\n", "latin1")],
    ];
    for (const [label, raw] of cases) {
      const ex = await appendSync(c, box, raw);
      const ok = ex.some((l) => / OK /.test(l));
      let after = "";
      if (ok) {
        const m = await lastMessage(c);
        const at = m.line.indexOf("ENVELOPE (");
        const env = at < 0 ? "" : m.line.slice(at, at + 160);
        after = `sent ${raw.length} bytes: ${hex(raw)}\n    stored RFC822.SIZE ${m.size}, BODY[] ${m.body.length} bytes: ${hex(m.body)}\n    envelope: ${env.slice(0, 300)}`;
      }
      show(`APPEND ${label}`, [...ex, ...(after ? [after] : [])]);
    }

    // maxmessagesize: a synchronizing literal, then a non-synchronizing one (the server has to read or refuse the bytes)
    const big = Buffer.from(`Subject: big\r\nMessage-ID: <big@x>\r\n\r\n${"x".repeat(MAX)}\r\n`, "latin1");
    show(`APPEND ${big.length} bytes > maxmessagesize, synchronizing literal`, await appendSync(c, box, big));
    show("NOOP after it", [`${(await c.command(["NOOP"], 5_000).catch((e: Error) => ({ status: "ERR", text: e.message }))).status}`]);

    const c2 = await RawImap.connect(cy.host, cy.port);
    await c2.command(["LOGIN", astring(user.user), astring(user.password)]);
    await c2.command(["SELECT", astring(box)]);
    const tag = c2.nextTag();
    c2.write(Buffer.concat([Buffer.from(`${tag} APPEND `), astring(box), Buffer.from(` {${big.length}+}\r\n`), big, Buffer.from("\r\n")]));
    const r2 = await c2.until(tag, 10_000).catch((e: Error) => ({ tag, status: "ERR", text: e.message, lines: [] as string[] }));
    const unprompted2 = await c2.nextLine(1_500);
    show(`APPEND ${big.length} bytes, LITERAL+ (non-synchronizing)`, [
      ...r2.lines,
      `${tag} ${r2.status} ${r2.text}`,
      `then, unprompted within 1.5 s: ${unprompted2}`,
      `closed: ${c2.closed}`,
    ]);
    if (!c2.closed) {
      const n = await c2.command(["NOOP"], 5_000).catch((e: Error) => ({ status: "ERR", text: e.message, lines: [] as string[] }));
      show("NOOP after it", [...n.lines, `${n.status} ${n.text}`, `closed: ${c2.closed}`]);
    }
    c2.close();

    // MULTIAPPEND of three, the second too big, all with LITERAL+
    const c3 = await RawImap.connect(cy.host, cy.port);
    await c3.command(["LOGIN", astring(user.user), astring(user.password)]);
    const st0 = await c3.command(["STATUS", astring(box), "(MESSAGES)"]);
    const small = (n: number) => Buffer.from(`Subject: multi ${n}\r\nMessage-ID: <multi${n}@x>\r\n\r\nbody ${n}\r\n`, "latin1");
    const t3 = c3.nextTag();
    const lit = (b: Buffer) => Buffer.concat([Buffer.from(` {${b.length}+}\r\n`), b]);
    c3.write(Buffer.concat([Buffer.from(`${t3} APPEND `), astring(box), lit(small(1)), lit(big), lit(small(3)), Buffer.from("\r\n")]));
    const r3 = await c3.until(t3, 10_000).catch((e: Error) => ({ tag: t3, status: "ERR", text: e.message, lines: [] as string[] }));
    const unprompted3 = await c3.nextLine(1_500);
    const lines3 = [...r3.lines, `${t3} ${r3.status} ${r3.text}`, `then, unprompted within 1.5 s: ${unprompted3}`, `closed: ${c3.closed}`];
    if (!c3.closed) {
      const st1 = await c3
        .command(["STATUS", astring(box), "(MESSAGES)"], 5_000)
        .catch((e: Error) => ({ status: "ERR", text: e.message, lines: [] as string[] }));
      lines3.push(
        `STATUS before: ${st0.lines.join(" ")}`,
        `STATUS after: ${st1.lines.join(" ")} ${st1.status} ${st1.text}`,
        `closed: ${c3.closed}`,
      );
    }
    c3.close();
    lines3.push(
      `messages in ${box} before: ${/MESSAGES (\d+)/.exec(st0.lines.join(" "))?.[1]}, after (new connection): ${await countIn(cy, box)}`,
    );
    show("MULTIAPPEND 3 messages (LITERAL+), the 2nd too big", lines3);
    // the same with synchronizing literals: the server answers the 2nd literal's announcement
    const c4 = await RawImap.connect(cy.host, cy.port);
    await c4.command(["LOGIN", astring(user.user), astring(user.password)]);
    const t4 = c4.nextTag();
    const ex4: string[] = [];
    c4.write(Buffer.concat([Buffer.from(`${t4} APPEND `), astring(box), Buffer.from(` {${small(1).length}}\r\n`)]));
    ex4.push(`S: ${await c4.nextLine(5_000)}`);
    c4.write(Buffer.concat([small(1), Buffer.from(` {${big.length}}\r\n`)]));
    const l4 = await c4.nextLine(5_000);
    ex4.push(`S: ${l4}`);
    if (l4?.startsWith("+")) {
      c4.write(Buffer.concat([big, Buffer.from(` {${small(3).length}}\r\n`)]));
      ex4.push(`S: ${await c4.nextLine(5_000)}`);
    }
    const more = await c4.nextLine(2_000);
    if (more !== undefined) ex4.push(`S: ${more}`);
    ex4.push(`closed: ${c4.closed}`);
    if (!c4.closed) {
      const n = await c4.command(["NOOP"], 5_000).catch((e: Error) => ({ status: "ERR", text: e.message, lines: [] as string[] }));
      ex4.push(`NOOP: ${[...n.lines, `${n.status} ${n.text}`].join(" | ")}`);
    }
    ex4.push(`messages in ${box} afterwards (new connection): ${await countIn(cy, box)}`);
    show("MULTIAPPEND 3 messages (synchronizing literals), the 2nd too big", ex4);
    c4.close();

    // folder names with non-ASCII characters
    const names: Array<[string, Array<string | Buffer>]> = [
      ["modified UTF-7 Caf&AOk-", ["CREATE", astring(`${p}Caf&AOk-`)]],
      ["raw UTF-8 Café (literal), no ENABLE", ["CREATE", astring(`${p}Bäckerei`)]],
      ["raw UTF-8 quoted, no ENABLE", ["CREATE", Buffer.concat([Buffer.from('"'), Buffer.from(`${p}Größe`, "utf8"), Buffer.from('"')])]],
    ];
    const f: string[] = [];
    for (const [label, cmd] of names) {
      const r = await c.command(cmd);
      f.push(`${label}: ${r.status} ${r.text}`);
    }
    for (const name of [`${p}Dotted.Name`, `${p}Slash/Name`, `${p}Caret^Name`, `${p}Space Name`, "INBOX/Child", "INBOX.Child2"]) {
      const r = await c.command(["CREATE", astring(name)]);
      f.push(`CREATE ${name}: ${r.status} ${r.text}`);
    }
    const en = await c.command(["ENABLE", "UTF8=ACCEPT"]);
    f.push(`ENABLE UTF8=ACCEPT: ${[...en.lines, `${en.status} ${en.text}`].join(" | ")}`);
    const r5 = await c.command(["CREATE", Buffer.concat([Buffer.from('"'), Buffer.from(`${p}Ünïcode`, "utf8"), Buffer.from('"')])]);
    f.push(`after ENABLE, raw UTF-8 quoted Ünïcode: ${r5.status} ${r5.text}`);
    const list = await c.command(["LIST", '""', '"*"']);
    f.push(...list.lines.map((l) => `LIST: ${hex(Buffer.from(l, "latin1"))}`));
    show("non-ASCII folder names", f);

    // parents: an intermediate created by CREATE a.b.c; a parent deleted under its child
    const q: string[] = [];
    for (const cmd of [
      ["CREATE", astring(`${p}Top${sep}Mid${sep}Leaf`)],
      ["LIST", '""', astring(`${p}Top*`)],
      ["SELECT", astring(`${p}Top`)],
      ["APPEND", astring(`${p}Top`), "{20+}\r\nSubject: t\r\n\r\nbody\r\n"],
      ["CREATE", astring(`${p}Par${sep}Kid`)],
      ["DELETE", astring(`${p}Par`)],
      ["LIST", '""', astring(`${p}Par*`)],
      ["SELECT", astring(`${p}Par`)],
      ["CREATE", astring(`${p}Par`)],
      ["LIST", '""', astring(`${p}Par*`)],
    ] as Array<Array<string | Buffer>>) {
      const r = await c.command(cmd);
      q.push(`C: ${cmd.map((x) => x.toString()).join(" ")}`, ...r.lines.map((l) => `S: ${l}`), `S: ${r.status} ${r.text}`);
    }
    show("parents and \\Noselect", q);
    c.close();
  } finally {
    await cy.stop();
  }
}

(async () => {
  const which = (process.argv[2] as CyrusHierarchy | undefined) ?? "dot";
  await probe(which);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});

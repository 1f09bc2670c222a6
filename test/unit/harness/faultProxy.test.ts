// The fault proxy over real loopback sockets, in front of a scripted server (no Dovecot): exact cuts, stalls,
// connection limits, commands answered by the proxy, and rewrites that leave literal bytes alone.
import { strict as assert } from "node:assert";
import net from "node:net";
import { FaultProxy } from "../../../harness/faultProxy";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A server that greets, then answers each line it gets with `script(line)`; it records what it received. */
async function scriptedServer(script: (line: string) => string) {
  const received: string[] = [];
  const server = net.createServer((s) => {
    s.on("error", () => undefined);
    s.write("* OK [CAPABILITY IMAP4rev1 CONDSTORE] ready\r\n");
    let buf = "";
    s.on("data", (d) => {
      buf += d.toString("latin1");
      let i: number;
      while ((i = buf.indexOf("\r\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        received.push(line);
        s.write(script(line));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { port: (server.address() as net.AddressInfo).port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A client that collects everything it receives. */
async function client(port: number) {
  const s = net.connect({ host: "127.0.0.1", port });
  s.on("error", () => undefined);
  let data = "";
  let closed = false;
  s.on("data", (d) => (data += d.toString("latin1")));
  s.on("close", () => (closed = true));
  await new Promise<void>((r) => s.once("connect", () => r()));
  const until = async (pred: () => boolean, ms = 2_000) => {
    const end = Date.now() + ms;
    while (!pred() && Date.now() < end) await sleep(5);
    return pred();
  };
  return {
    s,
    get data() {
      return data;
    },
    get closed() {
      return closed;
    },
    until,
  };
}

describe("fault proxy over loopback sockets", function () {
  this.timeout(20_000);
  const literal = "* OK [CAPABILITY CONDSTORE] inside a literal\r\nA9 OK {3}\r\n";
  const fetchReply = `* 1 FETCH (BODY[] {${literal.length}}\r\n${literal})\r\nA1 OK done\r\n`;
  let server: Awaited<ReturnType<typeof scriptedServer>>;
  let proxy: FaultProxy;
  beforeEach(async () => {
    server = await scriptedServer((line) => (/FETCH/.test(line) ? fetchReply : `${line.split(" ")[0]} OK\r\n`));
    proxy = await FaultProxy.start({ target: { host: "127.0.0.1", port: server.port } });
  });
  afterEach(async () => {
    await proxy.stop();
    await server.close();
  });

  it("rewrites server lines but never the bytes of a literal, even when they look like lines", async () => {
    proxy.rewriteServer((line) => line.replace(/ CONDSTORE/g, ""));
    const c = await client(proxy.port);
    await c.until(() => c.data.includes("ready"));
    c.s.write("A1 FETCH 1 BODY[]\r\n");
    assert.ok(await c.until(() => c.data.includes("A1 OK done")));
    assert.equal(c.data, `* OK [CAPABILITY IMAP4rev1] ready\r\n${fetchReply}`);
    c.s.destroy();
  });

  it("cuts every connection after exactly N bytes from the server, and says it struck mid-literal", async () => {
    const c = await client(proxy.port);
    await c.until(() => c.data.includes("ready"));
    const greeting = c.data.length;
    const cut = proxy.cutAfter({ direction: "server", bytes: 40 });
    c.s.write("A1 FETCH 1 BODY[]\r\n");
    const report = await cut;
    assert.ok(await c.until(() => c.closed));
    assert.equal(c.data.length - greeting, 40, "exactly 40 bytes passed");
    assert.equal(c.data.slice(greeting), fetchReply.slice(0, 40));
    assert.deepEqual(report, { connectionId: 1, midUnit: true, connections: 1 });
    // new connections work again
    const d = await client(proxy.port);
    assert.ok(await d.until(() => d.data.includes("ready")));
    d.s.destroy();
  });

  it("stalls open connections (nothing passes, the socket stays open) until released; new ones flow", async () => {
    const c = await client(proxy.port);
    await c.until(() => c.data.includes("ready"));
    const stall = proxy.stall();
    c.s.write("A1 NOOP\r\n");
    assert.equal(await c.until(() => c.data.includes("A1 OK"), 300), false, "no answer while stalled");
    assert.equal(c.closed, false);
    const d = await client(proxy.port);
    assert.ok(await d.until(() => d.data.includes("ready")), "a new connection is not stalled");
    stall.release();
    await stall.released;
    assert.ok(await c.until(() => c.data.includes("A1 OK")), "the held command goes through after the release");
    c.s.destroy();
    d.s.destroy();
  });

  it("turns away connections beyond the limit with * BYE and counts current, peak, total and refused", async () => {
    proxy.limitConnections(2, "Too many connections.");
    const a = await client(proxy.port);
    const b = await client(proxy.port);
    await a.until(() => a.data.includes("ready"));
    await b.until(() => b.data.includes("ready"));
    const c = await client(proxy.port);
    assert.ok(await c.until(() => c.closed));
    assert.equal(c.data, "* BYE Too many connections.\r\n");
    assert.deepEqual([proxy.current, proxy.peak, proxy.total, proxy.refused], [2, 2, 2, 1]);
    a.s.destroy();
    assert.ok(await a.until(() => proxy.current === 1), "a closed connection is no longer counted");
    const again = await client(proxy.port);
    assert.ok(await again.until(() => again.data.includes("ready")), "a place freed is taken again");
    b.s.destroy();
    again.s.destroy();
    assert.ok(await proxy.idle(2_000));
  });

  it("answers an intercepted command itself, literal included (with the + continuation), and the server never sees it", async () => {
    proxy.use({
      intercept: (line, ctx) =>
        /^\S+ APPEND /.test(line) ? { reply: [`${line.split(" ")[0]} NO refused (${ctx.literalSize} bytes)`] } : undefined,
    });
    const c = await client(proxy.port);
    await c.until(() => c.data.includes("ready"));
    c.s.write("A1 APPEND INBOX {5}\r\n");
    assert.ok(await c.until(() => c.data.includes("+ Ready")));
    c.s.write("hello\r\nA2 NOOP\r\n");
    assert.ok(await c.until(() => c.data.includes("A2 OK")));
    assert.match(c.data, /A1 NO refused \(5 bytes\)\r\nA2 OK/);
    assert.deepEqual(server.received, ["A2 NOOP"]);
    c.s.destroy();
  });
});

// Ask one DNS server one question: UDP first, TCP when the answer is truncated, a few tries on timeout.
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { randomInt } from "node:crypto";
import { decodeResponse, encodeQuery, RCODE_NAMES, type DnsResponse } from "./wire";

export interface NameServer {
  host: string;
  port: number;
}

export class DnsQueryError extends Error {
  constructor(
    readonly server: NameServer,
    readonly question: string,
    reason: string,
  ) {
    super(`DNS server ${server.host}:${server.port} did not answer ${question}: ${reason}; check that it is running and serves this zone`);
    this.name = "DnsQueryError";
  }
}

/** `HOST[:PORT]` or `[IPv6]:PORT`; port 53 when absent. */
export function parseNameServer(spec: string): NameServer {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  const m = v6 ?? /^([^:]+)(?::(\d+))?$/.exec(spec);
  if (!m || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
    throw new Error(`name server ${JSON.stringify(spec)} is not HOST[:PORT] (for example 127.0.0.1:5353)`);
  }
  return { host: m[1]!, port: m[2] === undefined ? 53 : Number(m[2]) };
}

export interface QueryOptions {
  timeoutMs?: number;
  tries?: number;
  /** Ask for recursion (RD): the server is a resolver, not an authority. */
  recursion?: boolean;
}

function udpOnce(server: NameServer, query: Buffer, id: number, timeoutMs: number): Promise<DnsResponse | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(server.host.includes(":") ? "udp6" : "udp4");
    const done = (f: () => void) => {
      clearTimeout(timer);
      socket.close();
      f();
    };
    const timer = setTimeout(() => done(() => resolve(undefined)), timeoutMs);
    socket.on("error", (e) => done(() => reject(e)));
    socket.on("message", (msg) => {
      try {
        const res = decodeResponse(msg);
        if (res.id === id) done(() => resolve(res));
      } catch (e) {
        done(() => reject(e));
      }
    });
    socket.send(query, server.port, server.host);
  });
}

function tcpOnce(server: NameServer, query: Buffer, timeoutMs: number): Promise<DnsResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    let buf = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer over TCP within ${timeoutMs} ms`)));
    socket.on("connect", () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      socket.write(Buffer.concat([len, query]));
    });
    socket.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        socket.end();
        try {
          resolve(decodeResponse(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        } catch (e) {
          reject(e);
        }
      }
    });
    socket.on("error", reject);
  });
}

/** One question to one server. Resolves with any rcode (the caller decides what NXDOMAIN means). */
export async function queryDns(server: NameServer, name: string, type: string, options: QueryOptions = {}): Promise<DnsResponse> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const tries = options.tries ?? 3;
  const question = `${name} ${type}`;
  try {
    for (let attempt = 0; attempt < tries; attempt++) {
      const id = randomInt(0, 65536);
      const query = encodeQuery(id, name, type, options.recursion ?? false);
      const res = await udpOnce(server, query, id, timeoutMs);
      if (res === undefined) continue;
      return res.truncated ? await tcpOnce(server, query, timeoutMs) : res;
    }
  } catch (e) {
    throw new DnsQueryError(server, question, (e as Error).message);
  }
  throw new DnsQueryError(server, question, `no answer after ${tries} tries of ${timeoutMs} ms`);
}

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

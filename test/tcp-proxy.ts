import { connect, createServer, type Socket } from 'node:net';
import type { Test } from 'tap';

/** A TCP proxy on 127.0.0.1 in front of a database server, doing to its connections what a network can. */
export interface TcpProxy {
  /** `url` (a database URL of the target server) through the proxy. */
  through(url: string): string;
  /** While set, a new connection is accepted and never answered: a host that drops packets, once connected. */
  silent: boolean;
  /** While set, a connection whose client sends this text is cut before it reaches the server, both ways. */
  cutOn: string | null;
  /** While set, a connection whose client sends this text goes silent, open: that text and all after it go nowhere. */
  holdOn: string | null;
  /** The connections accepted so far. */
  readonly accepted: number;
}

/** Starts a proxy to `target`'s host and port (a database URL), closed with every connection at the test's end. */
export async function startTcpProxy(t: Test, target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    // Cut on purpose: the other side's end is what the test watches.
    socket.on('error', () => undefined);
    return socket;
  };
  let accepted = 0;
  const server = createServer((client) => {
    accepted += 1;
    track(client);
    if (proxy.silent) return;
    const upstream = track(connect(Number(port), hostname));
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', cut);
    upstream.on('close', cut);
    let held = false;
    client.on('data', (chunk: Buffer) => {
      if (proxy.cutOn !== null && chunk.includes(proxy.cutOn)) cut();
      else if (held || (proxy.holdOn !== null && chunk.includes(proxy.holdOn))) held = true;
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!held) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  const proxyPort = typeof address === 'object' && address !== null ? address.port : 0;
  const proxy: TcpProxy = {
    through(url) {
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxyPort);
      return proxied.href;
    },
    silent: false,
    cutOn: null,
    holdOn: null,
    get accepted() {
      return accepted;
    },
  };
  return proxy;
}

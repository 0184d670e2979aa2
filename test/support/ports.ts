/**
 * Free loopback ports for peers that need a port number up front (SIPp's -p/-mp/-cp,
 * Kamailio's listen). A port is proved free by binding it, then released just before
 * the peer starts; callers retry when a peer still reports the port taken.
 */
import dgram from 'node:dgram';
import net from 'node:net';

const HOST = '127.0.0.1';

function bindUdp(port: number): Promise<dgram.Socket | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(null);
    });
    s.bind(port, HOST, () => resolve(s));
  });
}

function listenTcp(port: number): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(null));
    srv.listen({ host: HOST, port, exclusive: true }, () => resolve(srv));
  });
}

async function release(udp: (dgram.Socket | null)[], tcp: (net.Server | null)[]): Promise<void> {
  await Promise.all([
    ...udp.map((s) => (s ? new Promise<void>((r) => s.close(() => r())) : undefined)),
    ...tcp.map((s) => (s ? new Promise<void>((r) => s.close(() => r())) : undefined)),
  ]);
}

/** A port free for both UDP and TCP on 127.0.0.1 (picked by the kernel, port 0). */
export async function freeUdpTcpPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const u = await bindUdp(0);
    if (!u) continue;
    const port = u.address().port;
    const t = await listenTcp(port);
    await release([u], [t]);
    if (t) return port;
  }
  throw new Error('no free UDP+TCP port on 127.0.0.1');
}

/** A free UDP port on 127.0.0.1 (kernel-picked). */
export async function freeUdpPort(): Promise<number> {
  const u = await bindUdp(0);
  if (!u) throw new Error('cannot bind a UDP port on 127.0.0.1');
  const port = u.address().port;
  await release([u], []);
  return port;
}

/**
 * `count` consecutive free UDP ports starting at an even port, below the kernel's
 * ephemeral range (so port-0 binds elsewhere in the test do not race for them).
 * SIPp's -mp P binds P and P+2 (audio and video).
 */
export async function freeUdpBlock(count = 4, from = 20_000, to = 32_000): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const base = from + 2 * Math.floor((Math.random() * (to - from - count)) / 2);
    const socks: (dgram.Socket | null)[] = [];
    for (let p = base; p < base + count; p++) {
      const s = await bindUdp(p);
      socks.push(s);
      if (!s) break;
    }
    await release(socks, []);
    if (socks.length === count && socks.every((s) => s !== null)) return base;
  }
  throw new Error(`no block of ${String(count)} free UDP ports in ${String(from)}-${String(to)}`);
}

/** A free TCP port on 127.0.0.1 (kernel-picked). */
export async function freeTcpPort(): Promise<number> {
  const t = await listenTcp(0);
  if (!t) throw new Error('cannot listen on a TCP port on 127.0.0.1');
  const port = (t.address() as net.AddressInfo).port;
  await release([], [t]);
  return port;
}

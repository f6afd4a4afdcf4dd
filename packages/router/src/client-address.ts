import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * Proxies whose `X-Forwarded-*` headers the router believes: addresses or CIDRs (`10.0.0.0/8`, `::1`). Nobody
 * else's forwarding headers count: a client could otherwise pick its own address for the rate limit, or the
 * host named in the public URL.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly any: boolean;

  constructor(entries: string[]) {
    for (const entry of entries) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, Number(bits), family);
    }
    this.any = entries.length > 0;
  }

  trusts(address: string | undefined): boolean {
    if (!this.any || !address) return false;
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    return this.list.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
  }

  /** Whether this request came through a trusted proxy (so its `X-Forwarded-*` headers are believed). */
  forwardedBy(req: IncomingMessage): boolean {
    return this.trusts(req.socket.remoteAddress);
  }

  /**
   * The client's address: the peer's, or, from a trusted proxy, the last address in `X-Forwarded-For` that is not
   * itself a trusted proxy (what the first untrusted hop said is all that can be believed).
   */
  clientAddress(req: IncomingMessage): string {
    const peer = req.socket.remoteAddress ?? 'unknown';
    if (!this.forwardedBy(req)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!this.trusts(hops[i])) return hops[i]!;
    }
    return hops[0] ?? peer;
  }
}

/** A CIDR or address list entry, for config validation. */
export function isAddressOrCidr(entry: string): boolean {
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

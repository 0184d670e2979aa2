import { pino } from 'pino';
import { SipStack, type SipApplication, type SipStackOptions } from '../../src/sip/index.js';

/** Start a SIP stack on loopback, port 0, for one test file. LOG=debug shows its log. */
export async function startStack(app: SipApplication, options: Partial<SipStackOptions> = {}): Promise<SipStack> {
  return SipStack.start(
    {
      listen: [{ host: '127.0.0.1', port: 0 }],
      transports: ['udp', 'tcp'],
      logger: pino({ level: process.env['LOG'] ?? 'silent' }),
      userAgent: 'Voxmail-test',
      ...options,
    },
    app,
  );
}

export function portOf(stack: SipStack, transport: 'udp' | 'tcp' = 'udp', host = '127.0.0.1'): number {
  const b = stack.boundAddresses.find((a) => a.transport === transport && a.host === host);
  if (!b) throw new Error(`no ${transport} address on ${host}`);
  return b.port;
}

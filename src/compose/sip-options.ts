/** Maps the validated config onto the SIP stack's own options (config never imports sip). */
import type { Config } from '../config/index.js';
import type { Logger } from '../shared/logger.js';
import type { SipStackOptions } from '../sip/index.js';

export function toSipStackOptions(config: Config, logger: Logger, userAgent: string): SipStackOptions {
  const { sip } = config;
  return {
    listen: sip.hosts.map((host) => ({ host, port: sip.port })),
    transports: [...sip.transports],
    timers: { ...sip.timers },
    limits: { ...sip.limits },
    forceRport: sip.forceRport,
    userAgent,
    logger,
  };
}

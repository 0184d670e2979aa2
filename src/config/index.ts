/**
 * Configuration: the only module that turns environment variables, command-line flags
 * and the config file into settings. See README.md beside this file.
 */
export type { Config, HttpConfig, LogConfig, LogLevel, MediaConfig, RtpConfig, SipAccountConfig, SipConfig, SipLimitsConfig, SipTimersConfig, SipTransportName, TrustConfig, TrustedNetworkConfig } from './schema.js';
export { DEFAULT_CONFIG, isCidr, LOG_LEVELS, SIP_TRANSPORTS } from './schema.js';
export type { ConfigProblem } from './errors.js';
export { CONFIG_INVALID, ConfigError, formatProblem } from './errors.js';
export type { ConfigFlags, ConfigOverride } from './overrides.js';
export { CONFIG_FILE_ENV, CONFIG_OVERRIDES, KNOWN_ENV_VARS, parseRtpPorts } from './overrides.js';
export type { Env, LoadConfigOptions } from './load-config.js';
export { loadConfig, MAX_CONFIG_FILE_BYTES } from './load-config.js';

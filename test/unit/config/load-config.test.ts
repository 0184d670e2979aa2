import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Config, ConfigError, ConfigFlags, Env, LoadConfigOptions } from '../../../src/config/index.js';
import { CONFIG_INVALID, DEFAULT_CONFIG, loadConfig } from '../../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'voxmail-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileSeq = 0;
function file(name: string, text: string): string {
  const path = join(dir, `${String(++fileSeq)}-${name}`);
  writeFileSync(path, text);
  return path;
}

function load(options: Partial<LoadConfigOptions> = {}): ReturnType<typeof loadConfig> {
  return loadConfig({ cwd: dir, env: {}, ...options });
}

function good(options: Partial<LoadConfigOptions> = {}): Config {
  const r = load(options);
  if (!r.ok) assert.fail(`expected a valid config, got:\n${r.error.message}`);
  return r.value;
}

function bad(options: Partial<LoadConfigOptions> = {}): ConfigError {
  const r = load(options);
  if (r.ok) assert.fail(`expected an invalid config, got ${JSON.stringify(r.value)}`);
  assert.equal(r.error.code, CONFIG_INVALID);
  assert.ok(r.error.problems.length > 0);
  return r.error;
}

/** The single problem's formatted line must start with the field path. */
function badField(field: string, options: { flags?: ConfigFlags; env?: Env; file?: string }): string {
  const e = bad({ argvFlags: { ...options.flags, config: options.file }, env: options.env ?? {} });
  const lines = e.message.split('\n');
  assert.ok(
    lines.some((l) => l.startsWith(`${field}: `)),
    `expected a problem for ${field}, got:\n${e.message}`,
  );
  return e.message;
}

describe('defaults', () => {
  test('no file, no env, no flags gives the embedded defaults with dataDir resolved against cwd', () => {
    const c = good();
    assert.equal(c.dataDir, join(dir, 'data'));
    assert.deepEqual({ ...c, dataDir: DEFAULT_CONFIG.dataDir }, DEFAULT_CONFIG);
    assert.deepEqual(c.sip.hosts, ['0.0.0.0']);
    assert.equal(c.sip.port, 5060);
    assert.deepEqual(c.sip.transports, ['udp', 'tcp']);
    assert.deepEqual(c.sip.timers, { t1: 500, t2: 4000, t4: 5000 });
    assert.equal(c.sip.forceRport, true);
    assert.deepEqual(c.rtp, { portMin: 20000, portMax: 29999, sockets: 'auto', readIntervalMs: 100 });
    assert.deepEqual(c.http, { host: '127.0.0.1', port: 8080, trustProxy: false, cookieSecure: 'auto' });
    assert.equal(c.log.level, 'info');
  });

  test('the result is deeply frozen', () => {
    const c = good({ argvFlags: { sipHost: '127.0.0.1,::1' } });
    for (const o of [c, c.sip, c.sip.hosts, c.sip.transports, c.sip.timers, c.sip.limits, c.rtp, c.http, c.log]) {
      assert.ok(Object.isFrozen(o));
    }
    assert.throws(() => {
      (c.sip as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (c.sip.hosts as string[]).push('10.0.0.1');
    }, TypeError);
  });

  test('loading does not change DEFAULT_CONFIG, and two loads share nothing', () => {
    const a = good({ argvFlags: { sipPort: '5070' } });
    const b = good();
    assert.equal(DEFAULT_CONFIG.sip.port, 5060);
    assert.equal(a.sip.port, 5070);
    assert.equal(b.sip.port, 5060);
    assert.notEqual(a.sip.hosts, b.sip.hosts);
  });
});

describe('precedence: defaults < file < env < flags', () => {
  const yaml = file('p.yaml', 'sip:\n  port: 5071\nhttp:\n  port: 8081\nlog:\n  level: warn\n');

  test('file over defaults', () => {
    const c = good({ argvFlags: { config: yaml } });
    assert.equal(c.sip.port, 5071);
    assert.equal(c.http.port, 8081);
    assert.equal(c.log.level, 'warn');
    assert.deepEqual(c.sip.hosts, ['0.0.0.0'], 'keys the file does not set keep their defaults');
    assert.deepEqual(c.sip.timers, { t1: 500, t2: 4000, t4: 5000 });
  });

  test('env over file', () => {
    const c = good({ argvFlags: { config: yaml }, env: { VOXMAIL_SIP_PORT: '5072', VOXMAIL_LOG_LEVEL: 'debug' } });
    assert.equal(c.sip.port, 5072);
    assert.equal(c.log.level, 'debug');
    assert.equal(c.http.port, 8081);
  });

  test('flags over env', () => {
    const c = good({
      argvFlags: { config: yaml, sipPort: '5073', httpPort: '0' },
      env: { VOXMAIL_SIP_PORT: '5072', VOXMAIL_HTTP_PORT: '9000' },
    });
    assert.equal(c.sip.port, 5073);
    assert.equal(c.http.port, 0);
  });

  test('VOXMAIL_CONFIG names the file; --config wins over it', () => {
    const other = file('o.json', JSON.stringify({ sip: { port: 6000 } }));
    assert.equal(good({ env: { VOXMAIL_CONFIG: yaml } }).sip.port, 5071);
    assert.equal(good({ env: { VOXMAIL_CONFIG: yaml }, argvFlags: { config: other } }).sip.port, 6000);
  });

  test('a relative --config resolves against cwd', () => {
    const name = 'rel.yaml';
    writeFileSync(join(dir, name), 'sip: { port: 6001 }\n');
    assert.equal(good({ argvFlags: { config: name } }).sip.port, 6001);
  });

  test('every env variable and flag reaches its field', () => {
    const env: Env = {
      VOXMAIL_DATA: 'env-data',
      VOXMAIL_SIP_HOST: '127.0.0.1',
      VOXMAIL_SIP_PORT: '5090',
      VOXMAIL_HTTP_HOST: '::1',
      VOXMAIL_HTTP_PORT: '8090',
      VOXMAIL_RTP_PORTS: '30000-30999',
      VOXMAIL_RTP_SOCKETS: 'DGRAM',
      VOXMAIL_RTP_READ_INTERVAL_MS: '0',
      VOXMAIL_LOG_LEVEL: 'ERROR',
    };
    const e = good({ env });
    assert.equal(e.dataDir, join(dir, 'env-data'));
    assert.deepEqual(e.sip.hosts, ['127.0.0.1']);
    assert.equal(e.sip.port, 5090);
    assert.deepEqual(e.http, { host: '::1', port: 8090, trustProxy: false, cookieSecure: 'auto' });
    assert.deepEqual(e.rtp, { portMin: 30000, portMax: 30999, sockets: 'dgram', readIntervalMs: 0 });
    assert.equal(e.log.level, 'error', 'levels are case-insensitive');

    const f = good({
      env,
      argvFlags: {
        data: '/srv/vm',
        sipHost: '127.0.0.1, ::1',
        sipPort: '5091',
        httpHost: '0.0.0.0',
        httpPort: '8091',
        rtpPorts: '40000-40099',
        rtpSockets: 'native',
        rtpReadIntervalMs: '60',
        logLevel: 'trace',
      },
    });
    assert.equal(f.dataDir, '/srv/vm');
    assert.deepEqual(f.sip.hosts, ['127.0.0.1', '::1']);
    assert.equal(f.sip.port, 5091);
    assert.deepEqual(f.http, { host: '0.0.0.0', port: 8091, trustProxy: false, cookieSecure: 'auto' });
    assert.deepEqual(f.rtp, { portMin: 40000, portMax: 40099, sockets: 'native', readIntervalMs: 60 });
    assert.equal(f.log.level, 'trace');
  });

  test('empty environment variables count as unset', () => {
    const c = good({ env: { VOXMAIL_SIP_PORT: '', VOXMAIL_CONFIG: '', VOXMAIL_LOG_LEVEL: '' } });
    assert.equal(c.sip.port, 5060);
    assert.equal(c.log.level, 'info');
  });

  test('environment variables that are not VOXMAIL_* are ignored', () => {
    good({ env: { PATH: '/bin', SIP_PORT: 'abc', voxmail_sip_port: 'abc' } });
  });
});

describe('media.workers', () => {
  test('default 0 (media on the main thread); set by the file, VOXMAIL_MEDIA_WORKERS or --media-workers', () => {
    assert.equal(good().media.workers, 0);
    assert.equal(good({ argvFlags: { config: file('mw.yaml', 'media: { workers: 2 }\n') } }).media.workers, 2);
    assert.equal(good({ env: { VOXMAIL_MEDIA_WORKERS: '3' } }).media.workers, 3);
    assert.equal(good({ env: { VOXMAIL_MEDIA_WORKERS: '3' }, argvFlags: { mediaWorkers: '1' } }).media.workers, 1);
  });

  test('anything but an integer 0–64 is refused, naming the field', () => {
    assert.match(badField('media.workers', { flags: { mediaWorkers: 'two' } }), /must be an integer 0–64 \(0: media on the main thread\) \(got "two" from --media-workers\)/);
    badField('media.workers', { env: { VOXMAIL_MEDIA_WORKERS: '65' } });
    badField('media.workers', { file: file('mw-neg.yaml', 'media: { workers: -1 }\n') });
    badField('media', { file: file('mw-key.yaml', 'media: { threads: 2 }\n') });
  });
});

describe('process.nice', () => {
  test('default 0 (the priority is left); set by the file, VOXMAIL_NICE or --nice', () => {
    assert.equal(good().process.nice, 0);
    assert.equal(good({ argvFlags: { config: file('pn.yaml', 'process: { nice: -10 }\n') } }).process.nice, -10);
    assert.equal(good({ env: { VOXMAIL_NICE: '-5' } }).process.nice, -5);
    assert.equal(good({ env: { VOXMAIL_NICE: '-5' }, argvFlags: { nice: '3' } }).process.nice, 3);
  });

  test('anything but an integer -20–19 is refused, naming the field', () => {
    badField('process.nice', { env: { VOXMAIL_NICE: '-21' } });
    badField('process.nice', { flags: { nice: 'high' } });
    badField('process.nice', { file: file('pn-big.yaml', 'process: { nice: 20 }\n') });
  });
});

describe('sip.threadNice', () => {
  test('default 0 (the priority is left); set by the file, VOXMAIL_SIP_THREAD_NICE or --sip-thread-nice', () => {
    assert.equal(good().sip.threadNice, 0);
    assert.equal(good({ argvFlags: { config: file('sn.yaml', 'sip: { threadNice: -10 }\n') } }).sip.threadNice, -10);
    assert.equal(good({ env: { VOXMAIL_SIP_THREAD_NICE: '-5' } }).sip.threadNice, -5);
    assert.equal(good({ env: { VOXMAIL_SIP_THREAD_NICE: '-5' }, argvFlags: { sipThreadNice: '3' } }).sip.threadNice, 3);
  });

  test('anything but an integer -20–19 is refused, naming the field', () => {
    badField('sip.threadNice', { env: { VOXMAIL_SIP_THREAD_NICE: '-21' } });
    badField('sip.threadNice', { flags: { sipThreadNice: 'high' } });
    badField('sip.threadNice', { file: file('sn-big.yaml', 'sip: { threadNice: 20 }\n') });
  });
});

describe('media.overloadRefuseMs', () => {
  test('defaults to 2,000 ms; set in the file, the environment and a flag (the flag wins); 0 turns it off', () => {
    assert.equal(good().media.overloadRefuseMs, 2000);
    assert.equal(good({ argvFlags: { config: file('or.yaml', 'media: { overloadRefuseMs: 0 }\n') } }).media.overloadRefuseMs, 0);
    assert.equal(good({ env: { VOXMAIL_MEDIA_OVERLOAD_REFUSE_MS: '3000' } }).media.overloadRefuseMs, 3000);
    assert.equal(good({ env: { VOXMAIL_MEDIA_OVERLOAD_REFUSE_MS: '3000' }, argvFlags: { mediaOverloadRefuseMs: '500' } }).media.overloadRefuseMs, 500);
  });

  test('anything but 0 or 100–4,500 is refused with the rule', () => {
    assert.match(badField('media.overloadRefuseMs', { env: { VOXMAIL_MEDIA_OVERLOAD_REFUSE_MS: '50' } }), /media\.overloadRefuseMs: must be 0 \(never refuse calls\) or an integer 100–4,500/);
    badField('media.overloadRefuseMs', { flags: { mediaOverloadRefuseMs: 'soon' } });
    badField('media.overloadRefuseMs', { file: file('or-big.yaml', 'media: { overloadRefuseMs: 4501 }\n') });
    badField('media.overloadRefuseMs', { file: file('or-neg.yaml', 'media: { overloadRefuseMs: -1 }\n') });
  });
});

describe('media.workerNice', () => {
  test('default 0 (the priority is left); set by the file, VOXMAIL_MEDIA_WORKER_NICE or --media-worker-nice', () => {
    assert.equal(good().media.workerNice, 0);
    assert.equal(good({ argvFlags: { config: file('mn.yaml', 'media: { workerNice: -10 }\n') } }).media.workerNice, -10);
    assert.equal(good({ env: { VOXMAIL_MEDIA_WORKER_NICE: '-5' } }).media.workerNice, -5);
    assert.equal(good({ env: { VOXMAIL_MEDIA_WORKER_NICE: '-5' }, argvFlags: { mediaWorkerNice: '3' } }).media.workerNice, 3);
  });

  test('anything but an integer -20–19 is refused, naming the field', () => {
    badField('media.workerNice', { env: { VOXMAIL_MEDIA_WORKER_NICE: '-21' } });
    badField('media.workerNice', { flags: { mediaWorkerNice: 'high' } });
    badField('media.workerNice', { file: file('mn-big.yaml', 'media: { workerNice: 20 }\n') });
  });
});

describe('dataDir', () => {
  test('relative in the file resolves against the file’s directory', () => {
    const f = file('d.yaml', 'dataDir: ./box\n');
    assert.equal(good({ argvFlags: { config: f }, cwd: '/somewhere/else' }).dataDir, join(dir, 'box'));
  });

  test('relative on the command line or in the env resolves against cwd', () => {
    assert.equal(good({ argvFlags: { data: 'x/y' }, cwd: '/srv' }).dataDir, '/srv/x/y');
    assert.equal(good({ env: { VOXMAIL_DATA: 'z' }, cwd: '/srv' }).dataDir, '/srv/z');
  });

  test('absolute stays as it is', () => {
    const f = file('abs.yaml', 'dataDir: /var/lib/voxmail\n');
    assert.equal(good({ argvFlags: { config: f } }).dataDir, '/var/lib/voxmail');
  });

  test('empty is refused', () => {
    badField('dataDir', { flags: { data: '' } });
    badField('dataDir', { file: file('e.json', '{"dataDir": ""}') });
  });
});

describe('config files', () => {
  test('YAML with every section', () => {
    const f = file(
      'full.yml',
      [
        'dataDir: /tmp/vm-data',
        'sip:',
        '  hosts: [127.0.0.1, "::1"]',
        '  port: 5080',
        '  transports: [udp]',
        '  timers: { t1: 250, t2: 2000, t4: 2500 }',
        '  limits:',
        '    maxMessageBytes: 32768',
        '    maxHeaders: 100',
        '    maxLineBytes: 8192',
        '    tcpMaxConnections: 10',
        '    tcpIdleTimeoutMs: 60000',
        '    tcpMessageTimeoutMs: 5000',
        '    maxTransactions: 1000',
        '    maxWaitingNewCalls: 50',
        '  forceRport: false',
        '  threadNice: -10',
        'rtp: { portMin: 10000, portMax: 10999, sockets: dgram }',
        'media: { workers: 2, workerNice: -5, overloadRefuseMs: 3000 }',
        'process: { nice: -10 }',
        'store: { writer: worker }',
        'http: { host: "::", port: 8088, trustProxy: [10.0.0.1, 10.1.0.0/16], cookieSecure: true }',
        'log: { level: silent }',
        'trust:',
        '  networks: [{ cidr: 10.0.0.0/8, tenant: acme }, { cidr: "2001:db8::/32", tenant: acme }, { cidr: 192.0.2.7, tenant: b }]',
        '  realm: pbx.example',
        '  accounts: [{ username: pbx1, password: "12345678", tenant: acme }]',
        'notify:',
        '  smtpUrl: smtp://vm:pw@mail.example.com:587',
        '  mailFrom: Voxmail <vm@example.com>',
        '  smppUrl: smpp://sys:pw@smsc.example.com:2775',
        '  smsHttp: { url: "https://gw.example.com/send?to={to}&text={text}", method: GET, body: null, headers: { X-Key: abc } }',
        '  smsFrom: Voxmail',
        '  publicUrl: https://vm.example.com',
        '  retry: { baseMs: 1000, maxMs: 60000 }',
        '  giveUpHours: { email: 48, sms: 12, webhook: 12, mwi: 2 }',
        '',
      ].join('\n'),
    );
    const c = good({ argvFlags: { config: f } });
    assert.deepEqual(c, {
      dataDir: '/tmp/vm-data',
      sip: {
        hosts: ['127.0.0.1', '::1'],
        port: 5080,
        transports: ['udp'],
        timers: { t1: 250, t2: 2000, t4: 2500 },
        limits: {
          maxMessageBytes: 32768,
          maxHeaders: 100,
          maxLineBytes: 8192,
          tcpMaxConnections: 10,
          tcpIdleTimeoutMs: 60000,
          tcpMessageTimeoutMs: 5000,
          maxTransactions: 1000,
          maxWaitingNewCalls: 50,
        },
        forceRport: false,
        threadNice: -10,
      },
      rtp: { portMin: 10000, portMax: 10999, sockets: 'dgram', readIntervalMs: 100 },
      media: { workers: 2, workerNice: -5, overloadRefuseMs: 3000 },
      process: { nice: -10 },
      store: { writer: 'worker' },
      http: { host: '::', port: 8088, trustProxy: ['10.0.0.1', '10.1.0.0/16'], cookieSecure: true },
      log: { level: 'silent' },
      trust: {
        networks: [
          { cidr: '10.0.0.0/8', tenant: 'acme' },
          { cidr: '2001:db8::/32', tenant: 'acme' },
          { cidr: '192.0.2.7', tenant: 'b' },
        ],
        realm: 'pbx.example',
        accounts: [{ username: 'pbx1', password: '12345678', tenant: 'acme' }],
      },
      notify: {
        smtpUrl: 'smtp://vm:pw@mail.example.com:587',
        mailFrom: 'Voxmail <vm@example.com>',
        smppUrl: 'smpp://sys:pw@smsc.example.com:2775',
        smsHttp: { url: 'https://gw.example.com/send?to={to}&text={text}', method: 'GET', body: null, headers: { 'X-Key': 'abc' } },
        smsFrom: 'Voxmail',
        publicUrl: 'https://vm.example.com',
        retry: { baseMs: 1000, maxMs: 60000 },
        giveUpHours: { email: 48, sms: 12, webhook: 12, mwi: 2 },
      },
    });
  });

  test('notify: a bad server URL is refused without echoing its password; flags and env set the servers', () => {
    const e = bad({ argvFlags: { smtpUrl: 'http://vm:hunter22@mail.example.com' } });
    assert.match(e.message, /notify\.smtpUrl: must be a URL like smtp:\/\/.* \(got "http:\/\/vm:\*\*\*@mail\.example\.com" from --smtp-url\)/);
    assert.doesNotMatch(e.message, /hunter22/);
    const c = good({ argvFlags: { smtpUrl: 'smtps://a:b@127.0.0.1:465', mailFrom: 'vm@example.com' }, env: { VOXMAIL_SMPP_URL: 'smpp://s:p@127.0.0.1:2775' } });
    assert.equal(c.notify.smtpUrl, 'smtps://a:b@127.0.0.1:465');
    assert.equal(c.notify.mailFrom, 'vm@example.com');
    assert.equal(c.notify.smppUrl, 'smpp://s:p@127.0.0.1:2775');
  });

  test('trust: bad networks, tenants, short passwords and duplicate accounts are refused with the field named', () => {
    const f = file(
      'trust.yml',
      [
        'trust:',
        '  networks: [{ cidr: 10.0.0.0/33, tenant: acme }, { cidr: "::1/129", tenant: acme }, { cidr: not-an-ip, tenant: acme }, { cidr: 10.0.0.0/8, tenant: "a b" }]',
        '  accounts: [{ username: pbx1, password: xyzzy, tenant: acme }, { username: pbx1, password: "12345678", tenant: acme }]',
        '',
      ].join('\n'),
    );
    const e = bad({ argvFlags: { config: f } });
    assert.match(e.message, /trust\.networks\[0\]\.cidr: must be an IP network/);
    assert.match(e.message, /trust\.networks\[1\]\.cidr: must be an IP network/);
    assert.match(e.message, /trust\.networks\[2\]\.cidr: must be an IP network/);
    assert.match(e.message, /trust\.networks\[3\]\.tenant: must be a tenant id/);
    assert.match(e.message, /trust\.accounts\[0\]\.password: must be at least 8 characters \(from /);
    assert.doesNotMatch(e.message, /xyzzy/, 'a password is never echoed');
    assert.match(e.message, /trust\.accounts: must not list the user name "pbx1" twice/);
  });

  test('JSON', () => {
    const f = file('c.json', JSON.stringify({ sip: { hosts: ['127.0.0.1'], transports: ['tcp'] }, log: { level: 'fatal' } }));
    const c = good({ argvFlags: { config: f } });
    assert.deepEqual(c.sip.hosts, ['127.0.0.1']);
    assert.deepEqual(c.sip.transports, ['tcp']);
    assert.equal(c.log.level, 'fatal');
  });

  test('the example file at the repository root is valid and shows the defaults', () => {
    const root = join(import.meta.dirname, '../../..');
    const c = good({ argvFlags: { config: join(root, 'voxmail.example.yaml') } });
    assert.equal(c.dataDir, join(root, 'data'));
    assert.deepEqual({ ...c, dataDir: DEFAULT_CONFIG.dataDir }, DEFAULT_CONFIG);
  });

  test('an empty YAML file (or only comments) means defaults', () => {
    assert.equal(good({ argvFlags: { config: file('empty.yaml', '') } }).sip.port, 5060);
    assert.equal(good({ argvFlags: { config: file('comments.yaml', '# nothing yet\n') } }).sip.port, 5060);
  });

  test('unknown keys are refused, naming them, the allowed keys and the line', () => {
    const f = file('unknown.yaml', 'sip:\n  port: 5060\n  prot: 5061\nextra: 1\n');
    const e = bad({ argvFlags: { config: f } });
    const lines = e.message.split('\n');
    assert.equal(lines.length, 2, e.message);
    assert.match(e.message, /^sip: unknown key "prot" \(allowed: hosts, port, transports, timers, limits, forceRport, threadNice\) \(from .*unknown\.yaml:3\)$/m);
    assert.match(e.message, /^\(top level\): unknown key "extra" \(allowed: dataDir, sip, rtp, media, process, store, http, log, trust, notify\) \(from .*unknown\.yaml:4\)$/m);
  });

  test('unknown keys deep down and in JSON too', () => {
    const f = file('unknown.json', JSON.stringify({ sip: { timers: { t3: 1 }, limits: { maxBodyBytes: 1 } } }));
    const e = bad({ argvFlags: { config: f } });
    assert.match(e.message, /^sip\.timers: unknown key "t3"/m);
    assert.match(e.message, /^sip\.limits: unknown key "maxBodyBytes"/m);
  });

  test('__proto__ in a file is an unknown key, not a prototype change', () => {
    const f = file('proto.json', '{"__proto__": {"polluted": true}, "sip": {"__proto__": {"port": 1}}}');
    const e = bad({ argvFlags: { config: f } });
    assert.match(e.message, /^\(top level\): unknown key "__proto__"/m);
    assert.match(e.message, /^sip: unknown key "__proto__"/m);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('a section that is not a mapping', () => {
    const msg = badField('sip', { file: file('notmap.yaml', 'sip: 5060\n') });
    assert.match(msg, /must be a mapping with the keys hosts, port/);
  });

  test('a file that is not a mapping', () => {
    const msg = badField('(file)', { file: file('list.yaml', '- a\n- b\n') });
    assert.match(msg, /must be a mapping of settings/);
  });

  test('a missing file', () => {
    const msg = badField('config file', { file: join(dir, 'nope.yaml') });
    assert.match(msg, /cannot be read: no such file/);
    assert.match(msg, /from --config/);
  });

  test('a missing file named by VOXMAIL_CONFIG', () => {
    const msg = badField('config file', { env: { VOXMAIL_CONFIG: join(dir, 'nope.yaml') } });
    assert.match(msg, /from VOXMAIL_CONFIG/);
  });

  test('a directory instead of a file', () => {
    badField('config file', { file: dir });
  });

  test('YAML syntax errors and duplicate keys', () => {
    assert.match(badField('config file', { file: file('syntax.yaml', 'sip:\n  port: [1, 2\n') }), /is not valid YAML/);
    assert.match(badField('config file', { file: file('dup.yaml', 'sip:\n  port: 1\n  port: 2\n') }), /is not valid YAML/);
  });

  test('JSON syntax errors', () => {
    assert.match(badField('config file', { file: file('syntax.json', '{"sip": ') }), /is not valid JSON/);
  });

  test('a bad value in the file names the file and line', () => {
    const f = file('badvalue.yaml', 'http:\n  host: 127.0.0.1\n  port: eighty\n');
    const msg = badField('http.port', { file: f });
    assert.match(msg, /^http\.port: must be an integer 0–65535 \(0 picks a free port\) \(got "eighty" from .*badvalue\.yaml:3\)$/m);
  });

  test('numbers as strings in a file are refused (files are typed)', () => {
    badField('sip.port', { file: file('str.json', '{"sip": {"port": "5060"}}') });
  });

  test('readFile can be injected', () => {
    const c = good({ argvFlags: { config: '/virtual/voxmail.yaml' }, readFile: () => 'sip: { port: 7000 }' });
    assert.equal(c.sip.port, 7000);
  });
});

describe('every error names the field and what is allowed', () => {
  const cases: { field: string; flags?: ConfigFlags; env?: Env; yaml?: string; expect: RegExp }[] = [
    { field: 'sip.port', flags: { sipPort: 'abc' }, expect: /must be an integer 0–65535 \(0 picks a free port\) \(got "abc" from --sip-port\)/ },
    { field: 'sip.port', env: { VOXMAIL_SIP_PORT: '65536' }, expect: /got 65536 from VOXMAIL_SIP_PORT/ },
    { field: 'sip.port', flags: { sipPort: '-1' }, expect: /got "-1"/ },
    { field: 'sip.port', flags: { sipPort: '50.5' }, expect: /must be an integer/ },
    { field: 'sip.port', flags: { sipPort: '' }, expect: /got ""/ },
    { field: 'sip.port', yaml: 'sip: { port: 1.5 }', expect: /got 1.5 from/ },
    { field: 'http.port', flags: { httpPort: '99999' }, expect: /must be an integer 0–65535/ },
    { field: 'http.port', env: { VOXMAIL_HTTP_PORT: 'x' }, expect: /got "x" from VOXMAIL_HTTP_PORT/ },
    { field: 'http.host', flags: { httpHost: 'localhost' }, expect: /must be an IP address literal/ },
    { field: 'http.trustProxy', yaml: 'http: { trustProxy: yes-please }', expect: /must be true, false, or a list of proxy addresses/ },
    { field: 'http.cookieSecure', yaml: 'http: { cookieSecure: sometimes }', expect: /must be "auto", true or false/ },
    { field: 'store.writer', yaml: 'store: { writer: thread }', expect: /must be "main" \(writes on the main thread\) or "worker"/ },
    { field: 'sip.hosts[0]', flags: { sipHost: 'example.com' }, expect: /must be an IP address literal .*got "example.com" from --sip-host/ },
    { field: 'sip.hosts[1]', flags: { sipHost: '127.0.0.1,,::1' }, expect: /got ""/ },
    { field: 'sip.hosts[1]', env: { VOXMAIL_SIP_HOST: '127.0.0.1,300.1.1.1' }, expect: /got "300.1.1.1" from VOXMAIL_SIP_HOST/ },
    { field: 'sip.hosts', flags: { sipHost: '127.0.0.1,127.0.0.1' }, expect: /must not list "127.0.0.1" twice/ },
    { field: 'sip.hosts', yaml: 'sip: { hosts: [] }', expect: /must list at least one IP address/ },
    { field: 'sip.hosts', yaml: 'sip: { hosts: 127.0.0.1 }', expect: /must be a list of IP address literals/ },
    { field: 'sip.transports[1]', yaml: 'sip: { transports: [udp, tls] }', expect: /must be "udp" or "tcp" \(got "tls"/ },
    { field: 'sip.transports', yaml: 'sip: { transports: [] }', expect: /at least one transport/ },
    { field: 'sip.transports', yaml: 'sip: { transports: [udp, udp] }', expect: /must not list "udp" twice/ },
    { field: 'sip.timers.t1', yaml: 'sip: { timers: { t1: 0 } }', expect: /milliseconds 1–60000 \(got 0/ },
    { field: 'sip.timers.t2', yaml: 'sip: { timers: { t1: 5000, t2: 4000 } }', expect: /must be at least sip.timers.t1 \(5000\)/ },
    { field: 'sip.timers.t4', yaml: 'sip: { timers: { t4: "5s" } }', expect: /got "5s"/ },
    { field: 'sip.limits.maxMessageBytes', yaml: 'sip: { limits: { maxMessageBytes: 10 } }', expect: /must be an integer 1024–16777216/ },
    { field: 'sip.limits.maxLineBytes', yaml: 'sip: { limits: { maxMessageBytes: 2000, maxLineBytes: 4000 } }', expect: /must not exceed sip.limits.maxMessageBytes \(2000\)/ },
    { field: 'sip.limits.tcpIdleTimeoutMs', yaml: 'sip: { limits: { tcpIdleTimeoutMs: -5 } }', expect: /got -5/ },
    { field: 'sip.limits.maxTransactions', yaml: 'sip: { limits: { maxTransactions: null } }', expect: /got null/ },
    { field: 'sip.limits.maxWaitingNewCalls', yaml: 'sip: { limits: { maxWaitingNewCalls: 0 } }', expect: /must be an integer 1–1000000 \(got 0/ },
    { field: 'sip.forceRport', yaml: 'sip: { forceRport: "yes" }', expect: /must be true or false \(got "yes"/ },
    { field: 'rtp.ports', flags: { rtpPorts: '20001-29999' }, expect: /must be "A-B" with even A < B in 1024–65535 \(got "20001-29999" from --rtp-ports\)/ },
    { field: 'rtp.ports', env: { VOXMAIL_RTP_PORTS: '20000' }, expect: /from VOXMAIL_RTP_PORTS/ },
    { field: 'rtp.portMin', yaml: 'rtp: { portMin: 21, portMax: 29999 }', expect: /must be an even integer 1024–65534/ },
    { field: 'rtp.portMin', yaml: 'rtp: { portMin: 20001 }', expect: /RTP takes the even port/ },
    { field: 'rtp.portMax', yaml: 'rtp: { portMin: 30000, portMax: 29999 }', expect: /must be greater than rtp.portMin \(30000\)/ },
    { field: 'rtp.sockets', env: { VOXMAIL_RTP_SOCKETS: 'uring' }, expect: /must be "auto" \(native sockets where possible\), "native" or "dgram" \(got "uring" from VOXMAIL_RTP_SOCKETS\)/ },
    { field: 'rtp.readIntervalMs', flags: { rtpReadIntervalMs: '20' }, expect: /must be 0 \(read each packet as it arrives\) or an integer 40–1,000 \(ms between reads of a socket\) \(got 20 from --rtp-read-interval-ms\)/ },
    { field: 'rtp.readIntervalMs', env: { VOXMAIL_RTP_READ_INTERVAL_MS: 'fast' }, expect: /must be 0 .* \(got "fast" from VOXMAIL_RTP_READ_INTERVAL_MS\)/ },
    { field: 'rtp.readIntervalMs', yaml: 'rtp: { readIntervalMs: 1001 }', expect: /must be 0 \(read each packet as it arrives\) or an integer 40–1,000/ },
    { field: 'log.level', flags: { logLevel: 'verbose' }, expect: /must be one of trace, debug, info, warn, error, fatal, silent \(got "verbose" from --log-level\)/ },
    { field: 'log.level', env: { VOXMAIL_LOG_LEVEL: 'LOUD' }, expect: /got "LOUD" from VOXMAIL_LOG_LEVEL/ },
    { field: 'VOXMAIL_SIP_PROT', env: { VOXMAIL_SIP_PROT: '5060' }, expect: /is not a Voxmail setting \(known: VOXMAIL_CONFIG, VOXMAIL_DATA/ },
  ];
  for (const c of cases) {
    const given = JSON.stringify(c.flags ?? c.env ?? c.yaml);
    test(`${c.field} ← ${given}`, () => {
      const msg = badField(c.field, { flags: c.flags, env: c.env, file: c.yaml === undefined ? undefined : file('case.yaml', c.yaml) });
      assert.match(msg, c.expect);
    });
  }

  test('all problems are reported at once', () => {
    const e = bad({ argvFlags: { sipPort: 'abc', httpPort: 'def', rtpPorts: 'x', logLevel: 'y' } });
    assert.deepEqual(
      e.problems.map((p) => p.path).sort(),
      ['http.port', 'log.level', 'rtp.ports', 'sip.port'],
    );
    assert.equal(e.message.split('\n').length, 4);
  });

  test('problems are structured as well as formatted', () => {
    const e = bad({ argvFlags: { sipPort: 'abc' } });
    assert.deepEqual(e.problems, [
      { path: 'sip.port', message: 'must be an integer 0–65535 (0 picks a free port)', got: '"abc"', source: '--sip-port' },
    ]);
    assert.ok(Object.isFrozen(e.problems));
  });

  test('a valid flag hides an invalid env value for the same field (flags win)', () => {
    assert.equal(good({ argvFlags: { sipPort: '5070' }, env: { VOXMAIL_SIP_PORT: 'abc' } }).sip.port, 5070);
  });
});

// A real Dovecot 2.3 for end-to-end tests: private config, Maildir, certificate and free ports under one temp dir,
// listening on 127.0.0.1 only. Nothing from the system's /etc/dovecot or its ports is touched.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  accessSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { type Pop3NoUidlProxy, startPop3NoUidlProxy } from './pop3-no-uidl.js';

export interface DovecotUser {
  user: string;
  password: string;
}

export interface StartOptions {
  users: DovecotUser[];
  /** Also start POP3: a plain port offering STLS and an implicit-TLS POP3S port. */
  pop3?: boolean;
  /**
   * Dovecot has no setting that disables UIDL (CAPA is a constant in its pop3 code and pop3_client_workarounds
   * only knows outlook-no-nuls and oe-ns-eoh). So the POP3 ports are then served by a small filtering proxy that
   * drops UIDL from CAPA and makes the UIDL command fail with -ERR. Implies `pop3`.
   */
  pop3NoUidl?: boolean;
  /** Appended to the generated dovecot.conf; later settings override earlier ones. */
  extraConfig?: string;
}

export interface DovecotServer {
  host: '127.0.0.1';
  /** Plain IMAP, STARTTLS offered. */
  imapPort: number;
  /** IMAP over implicit TLS. */
  imapsPort: number;
  pop3Port?: number;
  pop3sPort?: number;
  /** The self-signed certificate the server presents (CN 127.0.0.1, SAN 127.0.0.1 and localhost). */
  caPem: string;
  /** Temp dir holding config, mail and logs. */
  root: string;
  /** The user's Maildir++ root (INBOX itself; other folders are `.<name>` directories inside). */
  mailRoot(user: string): string;
  /** Dovecot's log plus anything the master wrote to stderr, for debugging failed tests. */
  log(): string;
  /** Kills Dovecot and all its children, removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

type Availability = { ok: true } | { ok: false; reason: string };

const BIN_CANDIDATES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot', '/opt/homebrew/sbin/dovecot'];
const STARTUP_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 5;
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]*$/;

let availability: (Availability & { bin?: string }) | undefined;

export function dovecotAvailable(): Availability {
  if (!availability) availability = probeDovecot();
  return availability.ok ? { ok: true } : { ok: false, reason: availability.reason };
}

function probeDovecot(): Availability & { bin?: string } {
  if (process.platform === 'win32') return { ok: false, reason: 'Dovecot tests need a POSIX system' };
  const override = process.env.INTERLOG_DOVECOT_BIN;
  const bin = (override ? [override] : BIN_CANDIDATES).find(isExecutable);
  if (!bin) {
    const where = override ? `INTERLOG_DOVECOT_BIN=${override}` : BIN_CANDIDATES.join(', ');
    return { ok: false, reason: `dovecot binary not found (looked at ${where}); apt-get install dovecot-imapd` };
  }
  let version: string;
  try {
    version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  } catch (err) {
    return { ok: false, reason: `${bin} --version failed: ${(err as Error).message}` };
  }
  // 2.4 rewrote the configuration language (mail_location, passdb/userdb blocks), so this config would not load.
  if (!version.startsWith('2.3.')) return { ok: false, reason: `Dovecot ${version} found, the harness needs 2.3.x` };
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return { ok: false, reason: 'openssl CLI not found (needed to make the test certificate)' };
  }
  return { ok: true, bin };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The account every Dovecot process (master, login, mail) runs as. */
interface RunAs {
  uid: number;
  gid: number;
  user: string;
  group: string;
  /** True when we are root and spawn Dovecot under another account. */
  dropped: boolean;
}

let runAsCache: RunAs | undefined;

function runAs(): RunAs {
  if (runAsCache) return runAsCache;
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) {
    runAsCache = {
      uid,
      gid: process.getgid?.() ?? -1,
      user: userInfo().username,
      group: idOf(['-gn']),
      dropped: false,
    };
  } else {
    // Dovecot refuses mail access as root: a userdb uid of 0 is rejected before first_valid_uid is even looked at
    // ("userdb returned 0 as uid"), and without a uid it answers "Mail access not allowed for root". Running the
    // whole instance as nobody keeps one unprivileged code path for CI (root) and developers (non-root).
    runAsCache = {
      uid: Number(idOf(['-u', 'nobody'])),
      gid: Number(idOf(['-g', 'nobody'])),
      user: 'nobody',
      group: idOf(['-gn', 'nobody']),
      dropped: true,
    };
  }
  return runAsCache;
}

function idOf(args: string[]): string {
  return execFileSync('id', args, { encoding: 'utf8' }).trim();
}

interface KeyPair {
  cert: string;
  key: string;
}

let keyPairCache: KeyPair | undefined;

/** One self-signed certificate per test process: EC keys keep it at a few milliseconds. */
function testKeyPair(): KeyPair {
  if (keyPairCache) return keyPairCache;
  const dir = mkdtempSync(path.join(tmpdir(), 'interlog-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '3650',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    keyPairCache = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    return keyPairCache;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Ports {
  imap: number;
  imaps: number;
  pop3?: number;
  pop3s?: number;
}

/** Ports are found by binding port 0; they can be taken again before Dovecot binds them, so callers retry. */
async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

interface ConfigInput {
  root: string;
  account: RunAs;
  ports: Ports;
  extraConfig?: string;
}

const SPECIAL_USE: ReadonlyArray<[string, string]> = [
  ['Drafts', '\\Drafts'],
  ['Sent', '\\Sent'],
  ['Trash', '\\Trash'],
  ['Junk', '\\Junk'],
  ['Archive', '\\Archive'],
];

function renderConfig({ root, account, ports, extraConfig }: ConfigInput): string {
  const listener = (name: string, port: number, ssl: boolean) => [
    `  inet_listener ${name} {`,
    `    port = ${port}`,
    ...(ssl ? ['    ssl = yes'] : []),
    '  }',
  ];
  const loginService = (service: string, plain: [string, number], tls: [string, number]) => [
    `service ${service} {`,
    // chroot needs root; the instance never has it
    '  chroot =',
    ...listener(plain[0], plain[1], false),
    ...listener(tls[0], tls[1], true),
    '}',
  ];
  const pop3 = ports.pop3 !== undefined && ports.pop3s !== undefined;
  return [
    '# Generated by e2e/support/dovecot.ts for a single test run.',
    `instance_name = interlog-${path.basename(root)}`,
    `base_dir = ${root}/run`,
    `state_dir = ${root}/state`,
    `log_path = ${root}/dovecot.log`,
    'verbose_proctitle = yes',
    `protocols = imap${pop3 ? ' pop3' : ''}`,
    'listen = 127.0.0.1',
    `default_internal_user = ${account.user}`,
    `default_internal_group = ${account.group}`,
    `default_login_user = ${account.user}`,
    'ssl = yes',
    `ssl_cert = <${root}/cert.pem`,
    `ssl_key = <${root}/key.pem`,
    // CRAM-MD5 for secure password authentication (seed 004); it needs the plaintext passwords of the passwd file.
    'auth_mechanisms = plain login cram-md5',
    'disable_plaintext_auth = no',
    'auth_verbose = yes',
    // A failed login answers after 2 s by default (0 still leaves Dovecot's 0.5 s flush tick).
    'auth_failure_delay = 0 secs',
    // Sync engines open several connections per account, more than the default 10.
    'mail_max_userip_connections = 200',
    'first_valid_uid = 1',
    'first_valid_gid = 0',
    'mail_location = maildir:~/Maildir',
    // The mail is thrown away after the test; fsync would only slow APPEND-heavy tests down.
    'mail_fsync = never',
    // IDLE notices new mail within about a second instead of the default 30.
    'mailbox_idle_check_interval = 1 secs',
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${root}/passwd`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=${account.uid} gid=${account.gid} home=${root}/home/%u`,
    '}',
    'namespace inbox {',
    '  inbox = yes',
    '  separator = /',
    '  prefix =',
    ...SPECIAL_USE.flatMap(([name, flag]) => [
      `  mailbox ${name} {`,
      `    special_use = ${flag}`,
      '    auto = no',
      '  }',
    ]),
    '}',
    'service anvil {',
    '  chroot =',
    // After a failed login anvil makes every later login from 127.0.0.1 wait 2-15 s, whatever the password, and
    // no setting turns that off. The auth process skips penalties when it can't open this socket; mode 0 does that
    // because nothing here runs as root.
    '  unix_listener anvil-auth-penalty {',
    '    mode = 0',
    '  }',
    '}',
    ...loginService('imap-login', ['imap', ports.imap], ['imaps', ports.imaps]),
    ...(pop3 ? loginService('pop3-login', ['pop3', ports.pop3 as number], ['pop3s', ports.pop3s as number]) : []),
    extraConfig ?? '',
    '',
  ].join('\n');
}

// The shell stays Dovecot's parent and its watchdog reads a pipe whose write end only this Node process holds.
// If the test process dies without stop() (even by SIGKILL, where no 'exit' handler runs), the pipe reaches EOF:
// the watchdog TERMs the master, which takes its children down, and removes the temp dir once it is gone.
const SUPERVISOR = `
exec 3<&0 </dev/null
"$1" -F -c "$2" 3<&- &
dovecot_pid=$!
(
  while read -r _ <&3; do :; done
  kill -TERM "$dovecot_pid" 2>/dev/null
  while kill -0 "$dovecot_pid" 2>/dev/null; do sleep 1; done
  rm -rf "$3"
) &
exec 3<&-
wait "$dovecot_pid"
`;

interface Running {
  child: ChildProcess;
  root: string;
}

const running = new Set<Running>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const instance of running) {
      killGroup(instance.child, 'SIGKILL');
      rmSync(instance.root, { recursive: true, force: true });
    }
  });
}

/** The supervisor was spawned detached, so its pid is the process group of the shell and every Dovecot process. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exited(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  // The child is unref'd; without this a script awaiting stop() would end with "unsettled top-level await".
  child.ref();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function readLog(root: string): string {
  return ['dovecot.log', 'dovecot.stderr']
    .map((name) => path.join(root, name))
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file, 'utf8'))
    .join('');
}

function chownTree(target: string, uid: number, gid: number): void {
  chownSync(target, uid, gid);
  if (!lstatSync(target).isDirectory()) return;
  for (const entry of readdirSync(target)) chownTree(path.join(target, entry), uid, gid);
}

/** Dropped to another account, Dovecot must be able to walk down to its temp dir. */
function assertTraversable(dir: string, account: RunAs): void {
  for (let current = dir; ; current = path.dirname(current)) {
    const stat = statSync(current);
    const others = (stat.mode & 0o001) !== 0;
    if (!others && stat.uid !== account.uid) {
      throw new Error(
        `${current} is not searchable by ${account.user}, the account Dovecot runs as when tests run as root; ` +
          'point TMPDIR at a world-searchable directory such as /tmp',
      );
    }
    if (current === path.dirname(current)) return;
  }
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n')) finish(received.startsWith('* OK'));
    });
  });
}

async function waitForGreeting(child: ChildProcess, port: number): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  const gone = new Promise<'exited'>((resolve) => {
    if (hasExited(child)) resolve('exited');
    else child.once('exit', () => resolve('exited'));
  });
  while (Date.now() < deadline) {
    const outcome = await Promise.race([greets(port).then((ok) => (ok ? ('ready' as const) : null)), gone]);
    if (outcome) return outcome;
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 25)), gone]);
  }
  return 'timeout';
}

function validateUsers(users: DovecotUser[]): void {
  if (users.length === 0) throw new Error('startDovecot: at least one user is needed');
  for (const { user, password } of users) {
    if (!USER_NAME.test(user)) throw new Error(`startDovecot: user name ${JSON.stringify(user)} is not supported`);
    // passwd-file has no escaping for its field separator
    if (/[:\r\n]/.test(password)) throw new Error(`startDovecot: password of ${user} contains ':' or a line break`);
  }
}

function prepareRoot(opts: StartOptions, account: RunAs, keys: KeyPair): string {
  const root = mkdtempSync(path.join(tmpdir(), 'interlog-dovecot-'));
  if (account.dropped) assertTraversable(path.dirname(root), account);
  writeFileSync(path.join(root, 'cert.pem'), keys.cert);
  writeFileSync(path.join(root, 'key.pem'), keys.key, { mode: 0o600 });
  writeFileSync(path.join(root, 'passwd'), opts.users.map((u) => `${u.user}:{PLAIN}${u.password}\n`).join(''), {
    mode: 0o600,
  });
  for (const { user } of opts.users) {
    for (const sub of ['cur', 'new', 'tmp'])
      mkdirSync(path.join(root, 'home', user, 'Maildir', sub), { recursive: true });
  }
  if (account.dropped) chownTree(root, account.uid, account.gid);
  return root;
}

function spawnDovecot(bin: string, root: string, account: RunAs): ChildProcess {
  const stderr = openSync(path.join(root, 'dovecot.stderr'), 'a');
  try {
    const args = ['-c', SUPERVISOR, 'interlog-dovecot', bin, path.join(root, 'dovecot.conf'), root];
    const child = spawn('/bin/sh', args, {
      cwd: root,
      detached: true,
      stdio: ['pipe', stderr, stderr],
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
      ...(account.dropped ? { uid: account.uid, gid: account.gid } : {}),
    });
    // A forgotten stop() must not keep the test process alive; the exit hook and the watchdog still clean up.
    child.unref();
    (child.stdin as unknown as net.Socket | null)?.unref();
    child.stdin?.on('error', () => {});
    return child;
  } finally {
    closeSync(stderr);
  }
}

export async function startDovecot(opts: StartOptions): Promise<DovecotServer> {
  const available = dovecotAvailable();
  if (!available.ok) throw new Error(`Dovecot is not available: ${available.reason}`);
  const bin = availability?.bin as string;
  validateUsers(opts.users);
  const withPop3 = Boolean(opts.pop3 || opts.pop3NoUidl);
  const account = runAs();
  const keys = testKeyPair();
  const root = prepareRoot(opts, account, keys);

  let instance: Running | undefined;
  let ports: Ports | undefined;
  for (let attempt = 1; attempt <= PORT_ATTEMPTS && !ports; attempt++) {
    const [imap, imaps, pop3, pop3s] = await freePorts(withPop3 ? 4 : 2);
    const candidate: Ports = { imap: imap as number, imaps: imaps as number, pop3, pop3s };
    const confFile = path.join(root, 'dovecot.conf');
    writeFileSync(confFile, renderConfig({ root, account, ports: candidate, extraConfig: opts.extraConfig }));
    if (account.dropped) chownSync(confFile, account.uid, account.gid);
    const logBefore = readLog(root).length;
    const child = spawnDovecot(bin, root, account);
    instance = { child, root };
    running.add(instance);
    installExitHook();
    const outcome = await waitForGreeting(child, candidate.imap);
    if (outcome === 'ready') {
      ports = candidate;
      break;
    }
    killGroup(child, 'SIGKILL');
    await exited(child);
    running.delete(instance);
    const log = readLog(root);
    const portRace = log.slice(logBefore).includes('Address already in use');
    if (!portRace || attempt === PORT_ATTEMPTS) {
      rmSync(root, { recursive: true, force: true });
      throw new Error(`Dovecot did not start (${outcome}). Log:\n${log}`);
    }
    rmSync(path.join(root, 'run'), { recursive: true, force: true });
  }
  const started = instance as Running;
  const bound = ports as Ports;

  let pop3Proxy: Pop3NoUidlProxy | undefined;
  if (opts.pop3NoUidl) {
    pop3Proxy = await startPop3NoUidlProxy({ targetPort: bound.pop3 as number, key: keys.key, cert: keys.cert });
  }

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    await pop3Proxy?.close();
    // The data is thrown away, so there is nothing a graceful shutdown (about a second) would save.
    killGroup(started.child, 'SIGKILL');
    await exited(started.child);
    running.delete(started);
    rmSync(root, { recursive: true, force: true });
  };

  return {
    host: '127.0.0.1',
    imapPort: bound.imap,
    imapsPort: bound.imaps,
    ...(withPop3
      ? {
          pop3Port: pop3Proxy ? pop3Proxy.port : bound.pop3,
          pop3sPort: pop3Proxy ? pop3Proxy.tlsPort : bound.pop3s,
        }
      : {}),
    caPem: keys.cert,
    root,
    mailRoot: (user: string) => {
      if (!opts.users.some((u) => u.user === user)) throw new Error(`mailRoot: ${user} is not a user of this server`);
      return path.join(root, 'home', user, 'Maildir');
    },
    log: () => readLog(root),
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** A user's sign-ins in Dovecot's log, as "protocol MECHANISM" (e.g. "pop3 CRAM-MD5"), oldest first. */
export function signIns(server: DovecotServer, user: string): string[] {
  return server
    .log()
    .split('\n')
    .filter((l) => l.includes(`user=<${user}>`) && /method=/.test(l))
    .map((l) => /(imap|pop3)-login: .*method=([A-Z0-9-]+)/.exec(l)?.slice(1, 3).join(' ') ?? l);
}

// Gateway replicas as real processes (`dataport start --store postgres://...`), so one can be
// killed with SIGKILL mid-run as a crashed machine would be, and a schema of their own in a
// PostgreSQL database for each run: for the cluster test and `npm run bench -- cluster`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connectPg, type PgPool } from '../gateway/store/pg.js';

const cli = new URL('../bin/dataport.js', import.meta.url).pathname;

export interface Replica {
  name: string;
  url: string;
  proc: ChildProcess;
  /** Everything the replica logged (pino JSON lines). */
  log: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** A replica on a free loopback port; without `store`, the embedded default (files in `dataDir`). */
export async function startReplica(opts: { name: string; store?: string; keyFile: string; dataDir: string; publicUrl?: string; env?: Record<string, string> }): Promise<Replica> {
  const store = opts.store === undefined ? [] : ['--store', opts.store];
  const proc = spawn(process.execPath, [cli, 'start', ...store, '--key-file', opts.keyFile, '--replica', opts.name, '--data-dir', opts.dataDir, '--port', '0', '--log-level', 'info'], {
    env: { ...process.env, ...(opts.publicUrl && { DATAPORT_PUBLIC_URL: opts.publicUrl }), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A replica never outlives the process that started it, however that process ends.
  const orphaned = () => proc.kill('SIGKILL');
  process.once('exit', orphaned);
  const log: string[] = [];
  const exited = once(proc, 'exit').then(([code, signal]) => {
    process.off('exit', orphaned);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        log.push(line);
        const m = /listening on (http:\/\/[0-9.]+:\d+)/.exec(line);
        if (m) resolve(m[1]!);
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
    void exited.then((e) => reject(new Error(`replica ${opts.name} exited (${e.code ?? e.signal}) before listening:\n${log.join('\n')}`)));
  });
  return {
    name: opts.name, url, proc, log, exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** A new schema in the database at `url`: its URL (search_path set to it) and how to drop it. */
export async function freshSchema(url: string): Promise<{ url: string; query: PgPool['query']; drop: () => Promise<void> }> {
  const schema = `dataport_run_${randomBytes(6).toString('hex')}`;
  const admin = await connectPg(url, { max: 1, applicationName: 'dataport harness' });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: scoped.toString(),
    query: admin.query.bind(admin) as PgPool['query'],
    drop: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`).finally(() => admin.end());
    },
  };
}

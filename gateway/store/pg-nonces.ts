// Signed-request nonces shared by the replicas: each replica still remembers the nonces it saw
// (crypto/http-signatures.ts NonceStore); this table makes a nonce used at one replica used at all.
import type { PgPool } from './pg.js';
import type { NonceLedger } from './types.js';

export class PgNonces implements NonceLedger {
  private readonly pool: PgPool;
  private readonly windowSeconds: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(pool: PgPool, windowSeconds: number) {
    this.pool = pool;
    this.windowSeconds = windowSeconds;
    // Nonces older than the window can no longer be replayed (the signature is refused as expired).
    this.sweeper = setInterval(() => {
      void this.pool.query("DELETE FROM dataport_nonces WHERE created < now() - make_interval(secs => $1)", [this.windowSeconds]).catch(() => undefined);
    }, Math.max(1000, (windowSeconds * 1000) / 4));
    this.sweeper.unref();
  }

  async remember(keyid: string, nonce: string, created: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'INSERT INTO dataport_nonces (keyid, nonce, created) VALUES ($1, $2, to_timestamp($3)) ON CONFLICT (keyid, nonce) DO NOTHING',
      [keyid, nonce, created],
    );
    return rowCount === 1;
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

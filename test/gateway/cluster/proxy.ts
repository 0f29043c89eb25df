// One address in front of several gateway replicas: a round-robin HTTP proxy, as a load balancer
// would be. A replica that refuses the connection (dead) is skipped and the request goes to the
// next; one that dies mid-request gives the client a 502, as a real balancer does.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class RoundRobinProxy {
  readonly backends: string[];
  /** Requests each backend answered, by path prefix (`/data`, `/negotiations`, ...). */
  readonly served = new Map<string, Map<string, number>>();
  private next = 0;
  private server: Server | undefined;

  constructor(backends: string[]) {
    this.backends = [...backends];
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** How many requests under `prefix` each backend served. */
  count(prefix: string): Map<string, number> {
    return this.served.get(prefix) ?? new Map();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const first = this.next++;
    for (let tried = 0; tried < this.backends.length; tried++) {
      const backend = this.backends[(first + tried) % this.backends.length]!;
      const outcome = await this.forward(backend, req, body, res);
      if (outcome !== 'refused') return;
    }
    res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'DP_ERR_NOT_READY', message: 'no replica is up' }));
  }

  private forward(backend: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<'done' | 'refused'> {
    return new Promise((resolve) => {
      const url = new URL(req.url ?? '/', backend);
      const out = httpRequest(url, { method: req.method, headers: { ...req.headers, 'content-length': String(body.length) }, agent: false }, (up) => {
        const prefix = `/${(req.url ?? '/').split('/')[1]?.split('?')[0] ?? ''}`;
        const byBackend = this.served.get(prefix) ?? new Map<string, number>();
        byBackend.set(backend, (byBackend.get(backend) ?? 0) + 1);
        this.served.set(prefix, byBackend);
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('error', () => res.destroy());
        up.on('end', () => resolve('done'));
        res.on('close', () => {
          up.destroy();
          resolve('done');
        });
      });
      out.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNREFUSED') return resolve('refused');
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'DP_ERR_NOT_READY', message: `replica failed: ${e.message}` }));
        else res.destroy();
        resolve('done');
      });
      if (req.method === 'GET' || req.method === 'HEAD') out.removeHeader('content-length');
      out.end(req.method === 'GET' || req.method === 'HEAD' ? undefined : body);
    });
  }
}

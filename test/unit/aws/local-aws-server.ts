// A loopback HTTP server that answers AWS JSON 1.0 calls from a script, for client-level tests
// (retries, headers, logging) that aws-sdk-client-mock cannot cover because it bypasses the
// middleware stack.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface ScriptedReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export interface LocalAwsServer {
  readonly endpoint: string;
  readonly seen: SeenRequest[];
  /** Replies in order; the last one repeats. */
  replies: ScriptedReply[];
  close(): Promise<void>;
}

export async function startLocalAwsServer(replies: ScriptedReply[]): Promise<LocalAwsServer> {
  const seen: SeenRequest[] = [];
  const state = { replies };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const reply = state.replies[Math.min(seen.length - 1, state.replies.length - 1)]!;
      res.writeHead(reply.status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': `req-${seen.length}`,
        ...reply.headers,
      });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    get replies() {
      return state.replies;
    },
    set replies(r) {
      state.replies = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

export const throttled: ScriptedReply = {
  status: 400,
  body: { __type: 'com.amazonaws.cloudwatch#ThrottlingException', message: 'Rate exceeded' },
  headers: { 'x-amzn-query-error': 'Throttling;Sender' },
};

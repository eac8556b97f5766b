import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { tcpconnect } from '../../src/probes/tcpconnect/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession } from '../engine/kernel-session.js';

function listen(host: string): Promise<Server> {
  return new Promise((resolve) => {
    const srv = createServer((c) => c.destroy());
    srv.listen(0, host, () => resolve(srv));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;
const connect = (host: string, port: number) =>
  run('/usr/bin/python3', ['-c', `import socket,sys\ns=socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)\ntry: s.connect((sys.argv[1], int(sys.argv[2])))\nexcept OSError as e: print(e)`, host, String(port)]);

describeKernel('tcpconnect on the real kernel', () => {
  let s: ReturnType<typeof startSession>;
  let v4: Server, v6: Server, closedPort: number;
  beforeAll(async () => {
    v4 = await listen('127.0.0.1');
    v6 = await listen('::1');
    const tmp = await listen('127.0.0.1');
    closedPort = portOf(tmp);
    await new Promise((r) => tmp.close(r));
    s = startSession(tcpconnect, ['comm=python3']);
  });
  afterAll(() => {
    s.engine.close();
    v4.close();
    v6.close();
  });

  it('sees an established IPv4 connect with both ends', async () => {
    const r = await connect('127.0.0.1', portOf(v4));
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the connect');
    expect(e.fields).toMatchObject({ ret: 0, ipver: 4, saddr: '127.0.0.1', daddr: '127.0.0.1', dport: portOf(v4) });
    expect(e.fields.sport as number).toBeGreaterThan(0);
  });

  it('sees a refused connect with ECONNREFUSED', async () => {
    const r = await connect('127.0.0.1', closedPort);
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the refused connect');
    expect(e.fields).toMatchObject({ ret: -111, daddr: '127.0.0.1', dport: closedPort });
  });

  it('sees an IPv6 connect to [::1]', async () => {
    const r = await connect('::1', portOf(v6));
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the v6 connect');
    expect(e.fields).toMatchObject({ ret: 0, ipver: 6, saddr: '::1', daddr: '::1', dport: portOf(v6) });
  });
});

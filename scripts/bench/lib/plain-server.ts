// The ceiling for an MCP server's answer: a bare node:http server that reads the request body and answers fixed
// bytes. `node --import=tsx plain-server.ts <port> <answers.json>`, where answers.json maps a path to
// { contentType, body }. Run as its own process, like the servers it is compared with.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [portArg, file] = process.argv.slice(2);
const answers = new Map<string, { contentType: string; body: Buffer }>();
for (const [route, a] of Object.entries(JSON.parse(readFileSync(file!, 'utf8')) as Record<string, { contentType: string; body: string }>)) {
  answers.set(route, { contentType: a.contentType, body: Buffer.from(a.body) });
}

http
  .createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = answers.get(req.url ?? '');
      if (!answer) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': answer.contentType, 'content-length': answer.body.byteLength });
      res.end(answer.body);
    });
  })
  .listen(Number(portArg), '127.0.0.1');

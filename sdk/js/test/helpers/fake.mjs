// A scripted HTTP server for what the real stack will not do on demand (a 503, a hang-up, a
// Retry-After): each request gets the next scripted answer; requests are recorded.
import { createServer } from 'node:http';

export const reply = (status, body, headers = {}) => (req, res) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
/** Closes the connection without an answer: a network error. */
export const hangUp = (req, res) => res.socket.destroy();
/** Never answers (for timeouts). */
export const hang = () => {};

export async function fakeServer(...script) {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      script[Math.min(requests.length, script.length) - 1](req, res);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

// Serves the dashboard page and assets of a web bundle built elsewhere (`vite build`'s dist/)
// and forwards every other request to a running `vizjobs board`: so the page of an older commit
// can be measured (`web/tests/e2e/measure.mjs`) against the same server as the current one.
//
//   node bench/dist_proxy.mjs DIST_DIR http://127.0.0.1:6006 PORT
import http from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";

const [dist, upstream, port] = process.argv.slice(2);
if (!dist || !upstream || !port) {
  console.error("usage: node bench/dist_proxy.mjs DIST_DIR UPSTREAM_URL PORT");
  process.exit(2);
}
const types = { ".js": "text/javascript", ".css": "text/css", ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml" };
const target = new URL(upstream);

http
  .createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const file = url.pathname === "/" ? "dashboard.html" : url.pathname.startsWith("/assets/") ? url.pathname.slice(1) : null;
    if (file !== null) {
      const resolved = path.resolve(dist, file);
      if (!resolved.startsWith(path.resolve(dist))) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = await readFile(resolved);
        res.writeHead(200, { "Content-Type": types[path.extname(resolved)] ?? "application/octet-stream" }).end(body);
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    const forward = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.writeHead(502).end());
    req.pipe(forward);
  })
  .listen(Number(port), "127.0.0.1");

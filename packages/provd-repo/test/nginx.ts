/**
 * Debian's nginx (/usr/sbin/nginx) on 127.0.0.1 in a temp prefix, as a non-root user can run it:
 * the main config Debian ships (/etc/nginx/nginx.conf: worker_processes auto, 768 connections,
 * sendfile, tcp_nopush, its mime types, the access log, gzip on) with paths moved into the prefix,
 * and `site` included in the http block like a file of /etc/nginx/conf.d/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';

export const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export function nginxVersion(): string {
  return spawnSync(NGINX, ['-v'], { encoding: 'utf8' }).stderr.trim();
}

export interface Nginx {
  child: ChildProcess;
  prefix: string;
  accessLog: string;
  errorLog: string;
  stop(): Promise<void>;
}

/** Starts nginx with `site` (http-level directives) in `prefix`; resolves once `probeUrl` answers. */
export async function startNginx(prefix: string, site: string, probeUrl: string): Promise<Nginx> {
  await fsp.mkdir(prefix, { recursive: true });
  const sitePath = path.join(prefix, 'site.conf');
  await fsp.writeFile(sitePath, site);
  const conf = path.join(prefix, 'nginx.conf');
  // as root, nginx's workers would run as nobody, who cannot read a temp folder
  const user = process.getuid?.() === 0 ? 'user root root;\n' : '';
  await fsp.writeFile(
    conf,
    `${user}worker_processes auto;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events { worker_connections 768; }
http {
  sendfile on;
  tcp_nopush on;
  types_hash_max_size 2048;
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log ${prefix}/access.log;
  gzip on;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  include ${sitePath};
}
`,
  );
  const test = spawnSync(NGINX, ['-t', '-p', prefix, '-c', conf], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t refused the configuration:\n${test.stderr}`);
  const child = spawn(NGINX, ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const end = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${await fsp.readFile(path.join(prefix, 'error.log'), 'utf8').catch(() => '')}`);
    try {
      await (await fetch(probeUrl)).arrayBuffer();
      break;
    } catch {
      if (Date.now() > end) throw new Error(`nginx: no answer at ${probeUrl}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    child,
    prefix,
    accessLog: path.join(prefix, 'access.log'),
    errorLog: path.join(prefix, 'error.log'),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGQUIT');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

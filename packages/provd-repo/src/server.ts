/**
 * The repository server: channels under `root` served read-only at `<prefix>/<channel>/`
 * (what provd downloads), HTML pages, and token-guarded publish/promote.
 *
 *   GET|HEAD <prefix>/<channel>/<file>     plugins.db and packages, from memory (static-route.ts)
 *   GET      <prefix>/                     channel list;  <prefix>/<channel>/  one channel
 *   GET      <prefix>/-/compare?from=testing&to=stable[&family=]   what promote would change
 *   GET      <prefix>/-/plugin/<id>        one plugin, with its archived versions
 *   PUT      <prefix>/<channel>/<id>-<version>.tar.bz2   publish (body: the package)
 *   POST     <prefix>/<channel>/promote    {"pluginId": ..., "from": "testing"[, "allowDowngrade": true]}: copy an entry here
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { Peers } from './cluster';
import { BadName, checkChannelName, checkPackageName, checkPluginId, normalizePrefix } from './names';
import { sendPage } from './page-response';
import { channelPage, comparePage, pluginPage, rootPage } from './pages';
import { batchedLines, requestLine } from './request-log';
import { StaticFiles, type StaticCacheOptions } from './static-cache';
import { downloadsFirst, staticDownloads } from './static-route';
import { authorize, type TokenGrant } from './tokens';
import { promoteEntry, publishUpload } from './upload';
import { HttpError } from './http-error';
import { writableChannel } from './channels';
import { receiveBody } from './receive-body';
import { prepareTempArea, withUploadDir } from './temp-area';
import { finishInterruptedPublishes } from './interrupted-publishes';
import { DEFAULT_UPLOADS_PER_TOKEN, UploadSlots } from './upload-slots';
import { refusalOf } from './refusal';
import { setPackageLimits, type PackageLimits } from './domain';

export interface ServerOptions {
  root: string;
  prefixes: string[];
  tokens: TokenGrant[];
  /** Largest accepted upload, bytes. */
  bodyLimit?: number;
  /** One line per request and per publish step; default stdout. */
  log?: (line: string) => void;
  /** An upload body's longest wait between chunks, and longest whole transfer, ms. */
  bodyIdleTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Uploads one token may have in flight (429 beyond). */
  maxUploadsPerToken?: number;
  /** Longest wait for a channel lock before a 503. */
  lockTimeoutMs?: number;
  /** Bounds on reading an uploaded package (package/limits.ts in @provd/nx). */
  packageLimits?: Partial<PackageLimits>;
  /** Bounds of the in-memory download cache. */
  cache?: StaticCacheOptions;
  /** Other processes serving the root (cluster workers): told about each write before its answer. */
  peers?: Peers;
}

export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;
export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_BODY_TIMEOUT_MS = 600_000;
export const DEFAULT_SERVER_LOCK_TIMEOUT_MS = 30_000;
/** The flags that set the package limits, named in refusals. */
export const LIMIT_FLAGS = { maxUnpackedBytes: '--max-unpacked-bytes', maxMembers: '--max-members', maxPluginInfoBytes: '--max-plugin-info-bytes' };

export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const root = path.resolve(opts.root);
  if (!(await fsp.stat(root).catch(() => null))?.isDirectory()) throw new Error(`--root ${opts.root}: not a folder`);
  const prefixes = [...new Set(opts.prefixes.map(normalizePrefix))];
  const limit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const log = opts.log ?? batchedLines(process.stdout);
  const bodyLimits = { maxBytes: limit, idleMs: opts.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS, totalMs: opts.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS };
  const writeOpts = { lockTimeoutMs: opts.lockTimeoutMs ?? DEFAULT_SERVER_LOCK_TIMEOUT_MS };
  const slots = new UploadSlots(opts.maxUploadsPerToken ?? DEFAULT_UPLOADS_PER_TOKEN);
  setPackageLimits(opts.packageLimits ?? {}, LIMIT_FLAGS);
  const swept = await prepareTempArea(root);
  if (swept) log(`swept ${swept} temp folder(s) left by a stopped server`);
  await finishInterruptedPublishes(root, log, writeOpts.lockTimeoutMs);
  const files = new StaticFiles(root, opts.cache);
  const downloads = staticDownloads(
    files,
    prefixes,
    (req, status, length, start) => log(requestLine(req, status, length, Number(process.hrtime.bigint() - start) / 1e6)),
    log,
  );
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    // plugin ids may have 128 characters: `<id>-<version>.tar.bz2` needs more than fastify's 100
    routerOptions: { maxParamLength: 512 },
    // a backstop for every request (uploads have their own idle and total timeouts)
    requestTimeout: bodyLimits.totalMs + 60_000,
    // downloads are answered before fastify's routing; everything else goes on to it
    serverFactory: downloadsFirst(downloads),
  });
  opts.peers?.subscribe(() => files.invalidate());
  app.addHook('onClose', async () => files.close());
  // after a write, before its answer: a client that reads next sees what it wrote
  app.addHook('onSend', async (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && reply.statusCode < 300) {
      files.invalidate();
      await opts.peers?.wrote();
    }
  });

  // Uploads stream to a temp file: hand the handler the untouched body.
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.addHook('onResponse', async (req, reply) => {
    log(requestLine(req.raw, reply.statusCode, reply.getHeader('content-length') as string | undefined, reply.elapsedTime));
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const refusal = refusalOf(err, req.raw);
    if (refusal.gone) {
      // the client went away: one line, no stack, nothing to answer
      log(`${req.ip ?? '-'} ${req.method} ${req.url}: client disconnected (${refusal.gone})`);
      return;
    }
    const status = refusal.http ? refusal.http.status : err instanceof BadName ? 400 : (err.statusCode ?? 500);
    if (status >= 500 && !refusal.http) log(`error: ${req.method} ${req.url}: ${err.stack ?? err.message}`);
    for (const [k, v] of Object.entries(refusal.http?.headers ?? {})) void reply.header(k, v);
    // a body left unread (a timeout, a refusal before reading): this connection cannot carry another request
    if (status === 408 || status === 413 || status === 429) void reply.header('connection', 'close');
    void reply.status(status).type('application/json').send({ error: status >= 500 && !refusal.http ? 'internal error' : (refusal.http?.message ?? err.message) });
  });

  const auth = (req: FastifyRequest, channel: string) => {
    const r = authorize(opts.tokens, req.headers.authorization, channel);
    if (r === 'unauthenticated') throw new HttpError(401, opts.tokens.length ? 'a valid bearer token is required' : 'writes are disabled: no tokens configured');
    if (r === 'forbidden') throw new HttpError(403, `this token may not write to ${channel}`);
  };

  for (const prefix of prefixes) {
    app.get(`${prefix}/`, async (req, reply) => sendPage(req, reply, await rootPage(root, prefix)));
    app.get<{ Querystring: { from?: string; to?: string; family?: string } }>(`${prefix}/-/compare`, async (req, reply) => {
      const from = checkChannelName(req.query.from ?? 'testing');
      const to = checkChannelName(req.query.to ?? 'stable');
      return sendPage(req, reply, await comparePage(root, prefix, from, to, req.query.family || undefined));
    });
    app.get<{ Params: { id: string } }>(`${prefix}/-/plugin/:id`, async (req, reply) =>
      sendPage(req, reply, await pluginPage(root, prefix, checkPluginId(req.params.id))),
    );
    app.get<{ Params: { channel: string } }>(`${prefix}/:channel/`, async (req, reply) =>
      sendPage(req, reply, await channelPage(root, prefix, checkChannelName(req.params.channel))),
    );
    app.get<{ Params: { channel: string } }>(`${prefix}/:channel`, async (req, reply) =>
      reply.redirect(`${prefix}/${encodeURIComponent(checkChannelName(req.params.channel))}/`, 301),
    );

    app.put<{ Params: { channel: string; file: string }; Querystring: { allowDowngrade?: string } }>(`${prefix}/:channel/:file`, async (req, reply) => {
      const channel = checkChannelName(req.params.channel);
      const filename = checkPackageName(req.params.file);
      auth(req, channel);
      await writableChannel(root, channel);
      const declared = Number(req.headers['content-length']);
      if (declared > limit) throw new HttpError(413, `request body of ${declared} bytes is over the ${limit}-byte limit (--body-limit)`);
      const body = req.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function') throw new HttpError(415, 'send the package as application/octet-stream');
      const release = slots.acquire(req.headers.authorization);
      let result: Awaited<ReturnType<typeof publishUpload>>;
      try {
        // answered once the temp folder is gone: a client that sees the answer sees the root as it stays
        result = await withUploadDir(root, async (dir) => {
          const file = path.join(dir, filename);
          await receiveBody(body, bodyLimits, file);
          return publishUpload(root, channel, filename, file, (l) => log(`  ${l}`), { ...writeOpts, allowDowngrade: req.query.allowDowngrade === 'true' });
        });
      } finally {
        release();
      }
      log(`${result.outcome.status}: ${result.outcome.message}`);
      return reply.status(result.status).send(result.outcome);
    });

    app.post<{ Params: { channel: string }; Body: { pluginId?: unknown; from?: unknown; allowDowngrade?: unknown } }>(`${prefix}/:channel/promote`, async (req, reply) => {
      const to = checkChannelName(req.params.channel);
      auth(req, to);
      await writableChannel(root, to);
      const body = req.body;
      if (!body || typeof body !== 'object' || typeof (body as Readable).pipe === 'function') {
        throw new HttpError(400, 'expected a JSON body {"pluginId": ..., "from": ...}');
      }
      const pluginId = checkPluginId(body.pluginId);
      const from = checkChannelName(typeof body.from === 'string' ? body.from : 'testing');
      if (from === to) throw new HttpError(400, 'from and to are the same channel');
      const { status, outcome } = await promoteEntry(root, from, to, pluginId, (l) => log(`  ${l}`), { ...writeOpts, allowDowngrade: body.allowDowngrade === true });
      log(`${outcome.status}: ${outcome.message}`);
      return reply.status(status).send(outcome);
    });
  }
  return app;
}

/**
 * The repository server: channels under `root` served read-only at `<prefix>/<channel>/`
 * (what provd downloads), HTML pages, and token-guarded publish/promote.
 *
 *   GET|HEAD <prefix>/<channel>/<file>     plugins.db and packages (ETag, Last-Modified, 304, Range)
 *   GET      <prefix>/                     channel list;  <prefix>/<channel>/  one channel
 *   GET      <prefix>/-/compare?from=testing&to=stable[&family=]   what promote would change
 *   GET      <prefix>/-/plugin/<id>        one plugin, with its archived versions
 *   PUT      <prefix>/<channel>/<id>-<version>.tar.bz2   publish (body: the package)
 *   POST     <prefix>/<channel>/promote    {"pluginId": ..., "from": "testing"[, "allowDowngrade": true]}: copy an entry here
 */
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { INDEX_FILE } from './domain';
import { ARCHIVE, BadName, checkChannelName, checkPackageName, checkPluginId, normalizePrefix } from './names';
import { channelPage, comparePage, pluginPage, rootPage } from './pages';
import { authorize, type TokenGrant } from './tokens';
import { HttpError, promoteEntry, publishUpload, receiveBody, withUploadDir } from './upload';

export interface ServerOptions {
  root: string;
  prefixes: string[];
  tokens: TokenGrant[];
  /** Largest accepted upload, bytes. */
  bodyLimit?: number;
  /** One line per request and per publish step; default stdout. */
  log?: (line: string) => void;
}

export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;

export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const root = path.resolve(opts.root);
  if (!(await fsp.stat(root).catch(() => null))?.isDirectory()) throw new Error(`--root ${opts.root}: not a folder`);
  const prefixes = [...new Set(opts.prefixes.map(normalizePrefix))];
  const limit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, return503OnClosing: true });

  // Uploads stream to a temp file: hand the handler the untouched body.
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.addHook('onResponse', async (req, reply) => {
    const len = reply.getHeader('content-length');
    log(`${req.ip} ${req.method} ${req.url} ${reply.statusCode} ${len ?? '-'} ${reply.elapsedTime.toFixed(1)}ms`);
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err instanceof HttpError ? err.status : err instanceof BadName ? 400 : (err.statusCode ?? 500);
    if (status >= 500) log(`error: ${req.method} ${req.url}: ${err.stack ?? err.message}`);
    void reply.status(status).type('application/json').send({ error: status >= 500 && !(err instanceof HttpError) ? 'internal error' : err.message });
  });

  const auth = (req: FastifyRequest, channel: string) => {
    const r = authorize(opts.tokens, req.headers.authorization, channel);
    if (r === 'unauthenticated') throw new HttpError(401, opts.tokens.length ? 'a valid bearer token is required' : 'writes are disabled: no tokens configured');
    if (r === 'forbidden') throw new HttpError(403, `this token may not write to ${channel}`);
  };
  const sendHtml = (reply: FastifyReply, body: string | null) =>
    body === null ? reply.status(404).type('text/plain').send('not found\n') : reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(body);

  for (const [i, prefix] of prefixes.entries()) {
    await app.register(fastifyStatic, {
      root,
      prefix: `${prefix}/`,
      decorateReply: i === 0,
      index: false,
      list: false,
      dotfiles: 'ignore',
      // only <channel>/<file>: no dot files (locks, temp files), nothing deeper or shallower
      allowedPath: (p: string) => {
        const parts = p.split('/');
        if (parts.length !== 3 || parts[0] !== '') return false;
        try {
          checkChannelName(parts[1]);
          return parts[2] === INDEX_FILE || checkPackageName(parts[2]) === parts[2];
        } catch {
          return false;
        }
      },
    });

    app.get(`${prefix}/`, async (_req, reply) => sendHtml(reply, await rootPage(root, prefix)));
    app.get<{ Querystring: { from?: string; to?: string; family?: string } }>(`${prefix}/-/compare`, async (req, reply) => {
      const from = checkChannelName(req.query.from ?? 'testing');
      const to = checkChannelName(req.query.to ?? 'stable');
      return sendHtml(reply, await comparePage(root, prefix, from, to, req.query.family || undefined));
    });
    app.get<{ Params: { id: string } }>(`${prefix}/-/plugin/:id`, async (req, reply) =>
      sendHtml(reply, await pluginPage(root, prefix, checkPluginId(req.params.id))),
    );
    app.get<{ Params: { channel: string } }>(`${prefix}/:channel/`, async (req, reply) =>
      sendHtml(reply, await channelPage(root, prefix, checkChannelName(req.params.channel))),
    );
    app.get<{ Params: { channel: string } }>(`${prefix}/:channel`, async (req, reply) =>
      reply.redirect(`${prefix}/${encodeURIComponent(checkChannelName(req.params.channel))}/`, 301),
    );

    app.put<{ Params: { channel: string; file: string }; Querystring: { allowDowngrade?: string } }>(`${prefix}/:channel/:file`, async (req, reply) => {
      const channel = checkChannelName(req.params.channel);
      const filename = checkPackageName(req.params.file);
      if (channel === ARCHIVE) throw new HttpError(400, `${ARCHIVE} only receives the packages publish supersedes`);
      auth(req, channel);
      const declared = Number(req.headers['content-length']);
      if (declared > limit) throw new HttpError(413, `request body of ${declared} bytes is over the ${limit}-byte limit`);
      const body = req.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function') throw new HttpError(415, 'send the package as application/octet-stream');
      return withUploadDir(async (dir) => {
        const file = path.join(dir, filename);
        await receiveBody(body, limit, file);
        const { status, outcome } = await publishUpload(root, channel, filename, file, (l) => log(`  ${l}`), req.query.allowDowngrade === 'true');
        log(`${outcome.status}: ${outcome.message}`);
        return reply.status(status).send(outcome);
      });
    });

    app.post<{ Params: { channel: string }; Body: { pluginId?: unknown; from?: unknown; allowDowngrade?: unknown } }>(`${prefix}/:channel/promote`, async (req, reply) => {
      const to = checkChannelName(req.params.channel);
      if (to === ARCHIVE) throw new HttpError(400, `${ARCHIVE} only receives the packages publish supersedes`);
      auth(req, to);
      const body = req.body;
      if (!body || typeof body !== 'object' || typeof (body as Readable).pipe === 'function') {
        throw new HttpError(400, 'expected a JSON body {"pluginId": ..., "from": ...}');
      }
      const pluginId = checkPluginId(body.pluginId);
      const from = checkChannelName(typeof body.from === 'string' ? body.from : 'testing');
      if (from === to) throw new HttpError(400, 'from and to are the same channel');
      const { status, outcome } = await promoteEntry(root, from, to, pluginId, (l) => log(`  ${l}`), body.allowDowngrade === true);
      log(`${outcome.status}: ${outcome.message}`);
      return reply.status(status).send(outcome);
    });
  }
  return app;
}

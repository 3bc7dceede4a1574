/**
 * The pages in a real browser (Debian's chromium through playwright-core), checked against
 * the plugins.db files the server serves.
 */
import { existsSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugin, put, startServer, tempDir, WRITE_ALL } from './fixture';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('pages in chromium', () => {
  let root: string;
  let work: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let page: Page;
  const index = async (channel: string) => (await fetch(`${server.base}/plugins/2/${channel}/plugins.db`)).json() as Promise<Record<string, any>>;
  const promote = (pluginId: string) =>
    fetch(`${server.base}/plugins/2/stable/promote`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WRITE_ALL}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pluginId, from: 'testing' }),
    });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}: install Debian's chromium package (or set CHROMIUM_PATH)`);
    root = await tempDir();
    work = await tempDir();
    server = await startServer(root);
    const publish = async (spec: Parameters<typeof buildPlugin>[1]) => expect((await put(server.base, 'testing', await buildPlugin(work, spec), WRITE_ALL)).status).toBe(201);
    await publish({ id: 'acme-t1-1.0', version: '1.0.0', description: 'Acme <T1> & friends', models: ['Acme, T1', 'Acme, T2'] });
    await publish({ id: 'acme-t1-2.0', version: '0.3.0', models: ['Acme, T1'] });
    await publish({ id: 'zeta-z9-v84', version: '2.0.1', models: ['Zeta, Z9'] });
    expect((await promote('acme-t1-1.0')).status).toBe(201);
    expect((await promote('zeta-z9-v84')).status).toBe(201);
    await publish({ id: 'acme-t1-1.0', version: '1.1.0', description: 'Acme <T1> & friends', models: ['Acme, T1', 'Acme, T2'] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const context = await browser.newContext({ javaScriptEnabled: false }); // the pages must work without JS
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (root) await fsp.rm(root, { recursive: true, force: true });
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  it('the channel page lists what plugins.db holds', async () => {
    const db = await index('testing');
    await page.goto(`${server.base}/plugins/2/testing/`);
    const rows = await page.$$eval('#plugins tbody tr', (trs) =>
      trs.map((tr) => {
        const cell = (c: string) => tr.querySelector(`td.${c}`)!.textContent!.trim();
        return { id: cell('id'), version: cell('version'), description: cell('description'), size: cell('size'), sha1: cell('sha1'), models: cell('models'), href: tr.querySelector('td.package a')!.getAttribute('href') };
      }),
    );
    expect(rows.map((r) => r.id)).toEqual(Object.keys(db).sort());
    for (const r of rows) {
      const e = db[r.id];
      expect(r).toMatchObject({ version: e.version, description: e.description, sha1: e.sha1sum, size: e.dsize.toLocaleString('en-US') });
      expect(r.models.split(', ').sort()).toEqual([...new Set(Object.keys(e.capabilities).map((k) => k.split(', ').slice(0, 2).join(' ')))].sort());
      const res = await fetch(new URL(r.href!, server.base));
      expect(res.headers.get('content-length')).toBe(String(e.dsize));
      await res.arrayBuffer();
    }
    // escaped, shown as text
    expect(await page.textContent('#plugins')).toContain('Acme <T1> & friends');
  });

  it('the comparison page shows what promote would change, per family', async () => {
    const [testing, stable] = await Promise.all([index('testing'), index('stable')]);
    await page.goto(`${server.base}/plugins/2/-/compare?from=testing&to=stable`);
    const families = await page.$$eval('section[data-family]', (ss) => ss.map((s) => s.getAttribute('data-family')));
    expect(families).toEqual(['acme-t1', 'zeta-z9']);
    const rows = await page.$$eval('tr[data-plugin]', (trs) =>
      trs.map((tr) => ({ id: tr.getAttribute('data-plugin')!, from: tr.querySelector('.from')!.textContent, to: tr.querySelector('.to')!.textContent, change: tr.querySelector('.change')!.textContent })),
    );
    const expected = Object.keys({ ...testing, ...stable }).sort().map((id) => ({
      id,
      from: testing[id]?.version ?? '—',
      to: stable[id]?.version ?? '—',
      change: !testing[id] ? 'kept' : !stable[id] ? 'added' : testing[id].version !== stable[id].version ? 'upgraded' : 'unchanged',
    }));
    expect(rows).toEqual(expected);
    expect(rows.find((r) => r.id === 'acme-t1-1.0')).toMatchObject({ from: '1.1.0', to: '1.0.0', change: 'upgraded' });
    await page.goto(`${server.base}/plugins/2/-/compare?family=zeta-z9`);
    expect(await page.$$eval('tr[data-plugin]', (trs) => trs.map((t) => t.getAttribute('data-plugin')))).toEqual(['zeta-z9-v84']);
  });

  it('the plugin page shows each channel and the archived versions', async () => {
    const [testing, stable] = await Promise.all([index('testing'), index('stable')]);
    await page.goto(`${server.base}/plugins/2/testing/`);
    await page.click('#plugins a:text-is("acme-t1-1.0")');
    expect(page.url()).toBe(`${server.base}/plugins/2/-/plugin/acme-t1-1.0`);
    const channels = await page.$$eval('#channels tr[data-channel]', (trs) => trs.map((t) => [t.getAttribute('data-channel'), t.querySelector('.version')!.textContent]));
    expect(channels).toEqual([['stable', stable['acme-t1-1.0'].version], ['testing', testing['acme-t1-1.0'].version]]);
    const archived = await page.$$eval('#archive tr[data-version]', (trs) => trs.map((t) => t.getAttribute('data-version')));
    const files = (await fsp.readdir(`${root}/archive`)).filter((f) => f.startsWith('acme-t1-1.0-'));
    expect(archived).toEqual(files.map((f) => f.slice('acme-t1-1.0-'.length, -'.tar.bz2'.length)));
    expect(archived).toEqual(['1.0.0']);
    const href = await page.getAttribute('#archive tr[data-version="1.0.0"] a', 'href');
    const res = await fetch(new URL(href!, server.base));
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(stable['acme-t1-1.0'].dsize);
  });

  it('the archive page lists its packages with their plugin', async () => {
    await page.goto(`${server.base}/plugins/2/archive/`);
    const rows = await page.$$eval('#files tbody tr', (trs) => trs.map((t) => [...t.querySelectorAll('td')].map((td) => td.textContent!.trim())));
    const files = (await fsp.readdir(`${root}/archive`)).filter((f) => !f.startsWith('.')).sort();
    expect(rows.map((r) => r[3])).toEqual(files);
    expect(rows).toEqual([['acme-t1-1.0', '1.0.0', expect.any(String), 'acme-t1-1.0-1.0.0.tar.bz2']]);
  });
});

/** The HTML pages: channel list, one channel, testing vs stable, one plugin. */
import { archivedVersions, channelFiles, channelNames, readChannel, type Entry } from './catalog';
import { compareVersions, familyOfId } from './domain';
import { html, Html, page, seg } from './html';
import { ARCHIVE } from './names';

const sizeCell = (n: number | null) => (n === null ? '?' : n.toLocaleString('en-US'));

export async function rootPage(root: string, prefix: string): Promise<string> {
  const names = await channelNames(root);
  const items = names.map((n) => html`<li><a href="${prefix}/${seg(n)}/">${n}</a> — provd URL <code>${prefix}/${n}/</code></li>`);
  return page('provd repository', prefix, html`<ul>${items}</ul>`);
}

function pluginLink(prefix: string, id: string): Html {
  return html`<a href="${prefix}/-/plugin/${seg(id)}">${id}</a>`;
}

export async function channelPage(root: string, prefix: string, name: string): Promise<string | null> {
  if (!(await channelNames(root)).includes(name)) return null;
  const ch = await readChannel(root, name);
  const title = `channel ${name}`;
  if (!ch.entries) {
    const why = ch.error ? html`<p class="refused">plugins.db cannot be read: ${ch.error}</p>` : html`<p>This channel has no plugins.db (provd cannot install from it).</p>`;
    // the archive: list its packages, each linked to its plugin's page when its id is known
    const others = await Promise.all((await channelNames(root)).filter((n) => n !== name).map((n) => readChannel(root, n)));
    const files = await channelFiles(root, name, new Set(others.flatMap((c) => [...(c.entries?.keys() ?? [])])));
    const rows = files.map(
      (f) => html`<tr><td>${f.pluginId ? pluginLink(prefix, f.pluginId) : '?'}</td><td class="version">${f.version ?? '?'}</td><td class="size">${sizeCell(f.size)}</td>
<td class="package"><a href="${prefix}/${seg(name)}/${seg(f.filename)}">${f.filename}</a></td></tr>`,
    );
    return page(
      title,
      prefix,
      html`${why}${files.length ? html`<table id="files"><thead><tr><th>plugin</th><th>version</th><th>size (bytes)</th><th>package</th></tr></thead><tbody>${rows}</tbody></table>` : ''}`,
    );
  }
  const rows = [...ch.entries.values()]
    .sort((a, b) => (a.pluginId < b.pluginId ? -1 : a.pluginId > b.pluginId ? 1 : 0))
    .map(
      (e) => html`<tr data-plugin="${e.pluginId}"><td class="id">${pluginLink(prefix, e.pluginId)}</td><td class="version">${e.version}</td>
<td class="description">${e.description}</td><td class="size">${sizeCell(e.size)}</td><td class="sha1"><code>${e.sha1}</code></td>
<td class="models">${e.models.join(', ')}</td><td class="package"><a href="${prefix}/${seg(name)}/${seg(e.filename)}">${e.filename}</a></td></tr>`,
    );
  return page(
    title,
    prefix,
    html`<p>${ch.entries.size} plugins. Point provd at <code>${prefix}/${name}/</code> (index: <a href="${prefix}/${seg(name)}/plugins.db">plugins.db</a>).</p>
<table id="plugins"><thead><tr><th>id</th><th>version</th><th>description</th><th>size (bytes)</th><th>SHA-1</th><th>phone models</th><th>package</th></tr></thead>
<tbody>${rows}</tbody></table>`,
  );
}

export type Change = 'added' | 'upgraded' | 'unchanged' | 'refused: same version, other bytes' | 'refused: target is newer' | 'kept';

/** What promoting `from` onto `to` would do to one id (publishPackage's rules). */
export function changeOf(src: Entry | undefined, dst: Entry | undefined): Change {
  if (!src) return 'kept';
  if (!dst) return 'added';
  const order = compareVersions(dst.version, src.version);
  if (order > 0) return 'refused: target is newer';
  if (order < 0) return 'upgraded';
  return dst.sha1 === src.sha1 ? 'unchanged' : 'refused: same version, other bytes';
}

const CHANGE_CLASS: Record<Change, string> = {
  added: 'added',
  upgraded: 'changed',
  unchanged: '',
  'refused: same version, other bytes': 'refused',
  'refused: target is newer': 'refused',
  kept: '',
};

export async function comparePage(root: string, prefix: string, from: string, to: string, family?: string): Promise<string | null> {
  const names = await channelNames(root);
  if (!names.includes(from) || !names.includes(to)) return null;
  const [a, b] = await Promise.all([readChannel(root, from), readChannel(root, to)]);
  const src = a.entries ?? new Map<string, Entry>();
  const dst = b.entries ?? new Map<string, Entry>();
  const families = new Map<string, string[]>();
  for (const id of new Set([...src.keys(), ...dst.keys()])) {
    const f = familyOfId(id);
    if (family && f !== family) continue;
    families.set(f, [...(families.get(f) ?? []), id]);
  }
  const sections = [...families.keys()].sort().map((f) => {
    const ids = families.get(f)!.sort();
    const changes = ids.map((id) => changeOf(src.get(id), dst.get(id)));
    const moving = changes.filter((c) => c === 'added' || c === 'upgraded').length;
    const rows = ids.map(
      (id, i) => html`<tr data-plugin="${id}" class="${CHANGE_CLASS[changes[i]]}"><td>${pluginLink(prefix, id)}</td>
<td class="from">${src.get(id)?.version ?? '—'}</td><td class="to">${dst.get(id)?.version ?? '—'}</td><td class="change">${changes[i]}</td></tr>`,
    );
    return html`<section data-family="${f}"><h2>${f}</h2><p>${moving} of ${ids.length} would change.</p>
<table><thead><tr><th>plugin</th><th>${from}</th><th>${to}</th><th>promote would</th></tr></thead><tbody>${rows}</tbody></table></section>`;
  });
  return page(
    `${from} vs ${to}`,
    prefix,
    html`<p>What promoting <a href="${prefix}/${seg(from)}/">${from}</a> to <a href="${prefix}/${seg(to)}/">${to}</a> would change, by family
(the id up to its firmware version; <code>?family=</code> shows one).</p>${sections.length ? sections : html`<p>Both channels are empty.</p>`}`,
  );
}

export async function pluginPage(root: string, prefix: string, pluginId: string): Promise<string | null> {
  const names = await channelNames(root);
  const channels = await Promise.all(names.map((n) => readChannel(root, n)));
  const knownIds = new Set(channels.flatMap((c) => [...(c.entries?.keys() ?? [])]));
  const archived = (await archivedVersions(root, pluginId, knownIds)).sort((x, y) => compareVersions(y.version, x.version));
  const indexed = channels.filter((c) => c.entries?.has(pluginId));
  if (!indexed.length && !archived.length) return null;
  const current = indexed.map((c) => {
    const e = c.entries!.get(pluginId)!;
    return html`<tr data-channel="${c.name}"><td>${c.name}</td><td class="version">${e.version}</td><td>${sizeCell(e.size)}</td>
<td><code>${e.sha1}</code></td><td><a href="${prefix}/${seg(c.name)}/${seg(e.filename)}">${e.filename}</a></td></tr>`;
  });
  const first = indexed[0]?.entries!.get(pluginId);
  const old = archived.map(
    (f) => html`<tr data-version="${f.version}"><td class="version">${f.version}</td><td>${sizeCell(f.size)}</td><td><code>${f.sha1}</code></td>
<td><a href="${prefix}/${ARCHIVE}/${seg(f.filename)}">${f.filename}</a></td></tr>`,
  );
  return page(
    pluginId,
    prefix,
    html`${first ? html`<p class="description">${first.description}</p><p>Phone models: ${first.models.join(', ')}</p>` : ''}
<h2>Channels</h2><table id="channels"><thead><tr><th>channel</th><th>version</th><th>size (bytes)</th><th>SHA-1</th><th>package</th></tr></thead><tbody>${current}</tbody></table>
<h2>Archived versions</h2>${
      old.length
        ? html`<table id="archive"><thead><tr><th>version</th><th>size (bytes)</th><th>SHA-1</th><th>package</th></tr></thead><tbody>${old}</tbody></table>`
        : html`<p id="archive">No archived versions.</p>`
    }`,
  );
}

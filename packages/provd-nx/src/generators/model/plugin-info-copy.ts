/**
 * A copied model's plugin-info made the new model's: version reset, the old
 * firmware (or folder) replaced by the new one in descriptions and in the
 * capabilities keys ("Vendor, Model, firmware").
 */
export interface PluginInfoChanges {
  version: string;
  description?: string;
  /** replace the firmware part of capabilities keys (and in descriptions) */
  firmware?: string;
  /** folder renamed: fromFolder -> toFolder in descriptions when no firmware is given */
  fromFolder?: string;
  toFolder: string;
}

export function copiedPluginInfo(text: string, file: string, changes: PluginInfoChanges): string {
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const oldFirmware = capabilitiesFirmware(info.capabilities);
  const [from, to] =
    changes.firmware && oldFirmware ? [oldFirmware, changes.firmware] : changes.fromFolder ? [changes.fromFolder, changes.toFolder] : [undefined, undefined];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(info)) {
    if (key === 'version') out[key] = changes.version;
    else if (key === 'description' && changes.description !== undefined) out[key] = changes.description;
    else if (/^description(_\w+)?$/.test(key) && typeof value === 'string' && from) out[key] = value.split(from).join(to);
    else if (key === 'capabilities' && changes.firmware && value && typeof value === 'object') out[key] = withFirmware(value as Record<string, unknown>, changes.firmware);
    else out[key] = value;
  }
  if (!('version' in out)) out.version = changes.version;
  if (changes.description !== undefined) out.description = changes.description;
  return JSON.stringify(out, null, indentOf(text)) + '\n';
}

export function newPluginInfo(version: string, description: string): string {
  return JSON.stringify({ version, description, capabilities: {} }, null, 4) + '\n';
}

/** The firmware most capabilities keys name, if keys are "Vendor, Model, firmware". */
export function capabilitiesFirmware(capabilities: unknown): string | undefined {
  if (!capabilities || typeof capabilities !== 'object') return undefined;
  const counts = new Map<string, number>();
  for (const key of Object.keys(capabilities)) {
    const parts = key.split(',').map((p) => p.trim());
    if (parts.length === 3 && parts[2]) counts.set(parts[2], (counts.get(parts[2]) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function withFirmware(capabilities: Record<string, unknown>, firmware: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(capabilities).map(([key, value]) => {
      const parts = key.split(',').map((p) => p.trim());
      return [parts.length === 3 ? `${parts[0]}, ${parts[1]}, ${firmware}` : key, value];
    })
  );
}

function indentOf(text: string): number {
  const m = /\n( +)"/.exec(text);
  return m ? m[1].length : 4;
}

/**
 * Recording a Snom-style recipe (copy common/, then per phone model `sed ... > a file
 * in a folder the copy made`) runs nothing: the folder the copy would make is made in
 * the scratch output, so the open succeeds and the sed is recorded with its stdout.
 * Before, the open failed (nothing copied while recording) and the whole function ran
 * for real: one process per command, 360 for the Wazo-shaped collection's sed loops.
 * When the copy's rules are not read here (--exclude-from), the function still runs
 * for real and is recorded the same.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordFamilies } from './recipe';
import { useTempDir } from '../../test/temp';

const RECIPE = (copyOptions: string) => `
import os.path
from subprocess import check_call

@target('1.0', 'fam-1.0')
def build(path):
    check_call(['rsync', '-rlp', ${copyOptions}'common/', path])
    for model in ('A', 'B'):
        out = os.path.join(path, 'templates', 'common', '%s.tpl' % model)
        with open(out, 'wb') as f:
            check_call(['sed', 's/#MODEL#/%s/' % model, 'common/templates/common/model.tpl.btpl'], stdout=f)
    check_call(['rsync', '-rlp', '1.0/', path])
`;

describe('recording a sed loop into a copied folder', () => {
  const tmp = useTempDir('provd-copied-folder-');
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  /** a family, and rsync/sed on PATH that log each real run before running the real tool */
  function setUp(copyOptions: string, name: string) {
    const root = tmp(name);
    const family = join(root, 'fam');
    mkdirSync(join(family, 'common', 'templates', 'common'), { recursive: true });
    mkdirSync(join(family, '1.0'));
    writeFileSync(join(family, 'common', 'templates', 'common', 'model.tpl.btpl'), 'model=#MODEL#\n');
    writeFileSync(join(family, 'common', 'rules'), '*.btpl\n');
    writeFileSync(join(family, '1.0', 'plugin-info'), '{"version": "0.1"}\n');
    writeFileSync(join(family, 'build.py'), RECIPE(copyOptions));
    const bin = join(root, 'bin');
    const log = join(root, 'ran');
    mkdirSync(bin);
    for (const tool of ['rsync', 'sed']) {
      const real = path!.split(':').map((d) => join(d, tool)).find((f) => existsSync(f))!;
      writeFileSync(join(bin, tool), `#!/bin/sh\necho ${tool} >> '${log}'\nexec '${real}' "$@"\n`);
      chmodSync(join(bin, tool), 0o755);
    }
    process.env.PATH = `${bin}:${path}`;
    return { family, ran: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
  }

  /** tool and stdout file of each recorded command */
  const steps = (target: any) => target.commands.map((c: any) => [c.argv[0], c.stdout ?? null]);
  const STEPS = [
    ['rsync', null],
    ['sed', 'templates/common/A.tpl'],
    ['sed', 'templates/common/B.tpl'],
    ['rsync', null],
  ];

  it('records the sed steps with their stdout without running any command', async () => {
    const { family, ran } = setUp(`'--exclude', '.*', '--exclude', '*.btpl', `, 'filters');
    const reply = await recordFamilies([family]);
    const [target] = reply[Object.keys(reply)[0]].targets!;
    expect(target.error).toBeUndefined();
    expect(target.replay).toBe('commands');
    expect(steps(target)).toEqual(STEPS);
    expect(ran()).toEqual([]);
  });

  it('runs the function for real when the copy has rules it does not read, and records the same steps', async () => {
    const { family, ran } = setUp(`'--exclude-from', 'common/rules', `, 'rules-file');
    const reply = await recordFamilies([family]);
    const [target] = reply[Object.keys(reply)[0]].targets!;
    expect(target.error).toBeUndefined();
    expect(target.replay).toBe('commands');
    expect(steps(target)).toEqual(STEPS);
    expect(ran()).toEqual(['rsync', 'sed', 'sed', 'rsync']);
  });
});

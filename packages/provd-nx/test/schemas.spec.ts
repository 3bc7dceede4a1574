/** What Nx Console renders: every generator and executor option is described, with examples. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const read = (rel: string) => JSON.parse(readFileSync(join(ROOT, rel), 'utf8'));
const schemas = [
  ...Object.entries<any>(read('executors.json').executors).map(([name, e]) => [`executor ${name}`, e.schema] as const),
  ...Object.entries<any>(read('generators.json').generators).map(([name, g]) => [`generator ${name}`, g.schema] as const),
];

describe.each(schemas)('%s schema', (_name, path) => {
  const schema = read(path);
  it('describes itself and every option, with examples', () => {
    expect(schema.description.length).toBeGreaterThan(40);
    expect(schema.examples?.length).toBeGreaterThan(0);
    for (const [option, spec] of Object.entries<any>(schema.properties)) {
      expect(spec.description, option).toMatch(/\w{3}/);
      expect(spec.examples?.length, option).toBeGreaterThan(0);
      if (spec.enum) expect(spec.enum, option).toContain(spec.default);
      // folders and repositories complete as paths
      if (/Dir$|^repository$/.test(option)) expect(spec['x-completion-type'], option).toBe('directory');
      if (schema.required?.includes(option)) expect(spec['x-prompt'] ?? spec.$default, option).toBeTruthy();
    }
  });
});

describe('generator choices', () => {
  it('offers the existing projects for --family and --from', () => {
    const model = read('src/generators/model/schema.json');
    expect(model.properties.family['x-dropdown']).toBe('projects');
    expect(model.properties.from['x-dropdown']).toBe('projects');
  });
});

describe('the release executor', () => {
  it("takes every option of build, version and publish, as each step's own executor takes it", () => {
    const release = read('src/executors/release/schema.json').properties;
    const steps = ['build', 'version', 'publish'];
    const union = new Set(['step']);
    for (const step of steps) {
      for (const [option, spec] of Object.entries<any>(read(`src/executors/${step}/schema.json`).properties)) {
        union.add(option);
        expect(release[option], `${step} --${option}`).toBeDefined();
        expect(release[option].type, `${step} --${option}`).toEqual(spec.type);
        expect(release[option].default, `${step} --${option}`).toEqual(spec.default);
        expect(release[option].enum, `${step} --${option}`).toEqual(spec.enum);
        // the description names the steps that read it
        expect(release[option].description, `${step} --${option}`).toMatch(new RegExp(`^\\([^)]*\\b${step}\\b`));
      }
    }
    expect(Object.keys(release).sort()).toEqual([...union].sort());
  });
});

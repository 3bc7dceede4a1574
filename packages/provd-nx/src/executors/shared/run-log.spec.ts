import { describe, expect, it } from 'vitest';
import { summaryTable } from './run-log';

describe('run summary', () => {
  it('is one row per model: version move and release outcome', () => {
    const table = summaryTable([
      { task: 'version', pluginId: 'b-1', from: '1.0.0', to: '1.0.1', status: 'bumped' },
      { task: 'version', pluginId: 'a-1', from: '2.0.0', status: 'unchanged' },
      { task: 'publish', pluginId: 'b-1', to: '1.0.1', status: 'published', detail: 'testing' },
      { task: 'publish', pluginId: 'a-1', to: '2.0.0', status: 'refused', detail: 'testing' },
    ])!;
    expect(table.split('\n')).toEqual([
      'model  version         version step  release',
      '-----  --------------  ------------  -------------------',
      'a-1    2.0.0           unchanged     refused (testing)',
      'b-1    1.0.0 -> 1.0.1  bumped        published (testing)',
    ]);
    expect(summaryTable([])).toBeNull();
  });
});

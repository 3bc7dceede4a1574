import { afterEach, describe, expect, it, vi } from 'vitest';
import failExecutor from './executor';

describe('fail executor', () => {
  afterEach(() => vi.restoreAllMocks());
  it('prints the message as an error and fails', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((l: string) => void lines.push(l));
    expect(await failExecutor({ message: 'plugins/f/1.0/plugin-info: not valid JSON' }, {} as never)).toEqual({ success: false });
    expect(lines).toEqual(['error: plugins/f/1.0/plugin-info: not valid JSON']);
  });
});

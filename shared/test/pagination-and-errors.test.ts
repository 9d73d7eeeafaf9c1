import { z } from 'zod';
import { ConfigError, decodeCursor, encodeCursor, loadConfig, maskError, pageSize } from '../src';

describe('cursors and page sizes', () => {
  it('round-trips cursors and rejects malformed ones with BAD_USER_INPUT', () => {
    expect(decodeCursor(encodeCursor(['2026-01-01T00:00:00.000Z', 42]), 2)).toEqual(['2026-01-01T00:00:00.000Z', 42]);
    for (const bad of ['%%%', encodeCursor([1]), Buffer.from('{"a":1}').toString('base64url'), 'x'.repeat(600)]) {
      expect(() => decodeCursor(bad, 2)).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
      );
    }
  });

  it('bounds first to 0..100 with a default of 20', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(0)).toBe(0);
    expect(pageSize(100)).toBe(100);
    expect(() => pageSize(101)).toThrow(/between 0 and 100/);
    expect(() => pageSize(-1)).toThrow(/between 0 and 100/);
  });
});

describe('error masking', () => {
  it('keeps coded errors, masks everything else with the request id and no internals', () => {
    expect(maskError({ message: 'nope', extensions: { code: 'FORBIDDEN', stacktrace: ['x'] } })).toEqual({
      message: 'nope',
      extensions: { code: 'FORBIDDEN' },
    });
    const masked = maskError(
      { message: 'relation "x" does not exist', extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at'] } },
      'req-1',
    );
    expect(masked).toEqual({
      message: 'Internal server error (request id req-1)',
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' },
    });
  });
});

describe('config', () => {
  it('reports every problem at once', () => {
    const schema = z.object({ A: z.string().min(5), B: z.coerce.number().int() });
    try {
      loadConfig(schema, { A: 'x', B: 'y' });
      throw new Error('should have failed');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(2);
      expect((error as Error).message).toMatch(/A:.*\n.*B:/s);
    }
  });
});

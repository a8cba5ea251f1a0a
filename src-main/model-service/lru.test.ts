import { describe, expect, it } from 'vitest';
import { LruCache } from './lru';

const item = (name: string, gone: string[]) => ({ name, dispose: () => void gone.push(name) });

describe('LruCache', () => {
  it('evicts the least recently used past the count bound and disposes what leaves', () => {
    const gone: string[] = [];
    const c = new LruCache<{ name: string; dispose(): void }>({ maxEntries: 2, maxBytes: Infinity });
    c.set('a', item('a', gone), 1);
    c.set('b', item('b', gone), 1);
    expect(c.get('a')?.name).toBe('a');
    c.set('c', item('c', gone), 1);
    expect(c.keys()).toEqual(['a', 'c']);
    expect(gone).toEqual(['b']);
    c.delete('a');
    c.set('c', item('c2', gone), 1);
    expect(gone).toEqual(['b', 'a', 'c']);
    expect(c.evictions).toBe(1);
  });

  it('evicts by bytes, growth included, but never the entry just put', () => {
    const gone: string[] = [];
    const c = new LruCache<{ name: string; dispose(): void }>({ maxEntries: 10, maxBytes: 100 });
    c.set('a', item('a', gone), 40);
    c.set('b', item('b', gone), 40);
    c.grow('b', 30);
    expect(c.keys()).toEqual(['b']);
    expect(c.bytes).toBe(70);
    c.set('huge', item('huge', gone), 500);
    expect(c.keys()).toEqual(['huge']);
    expect(gone).toEqual(['a', 'b']);
  });
});

import { describe, expect, it } from 'vitest';
import { checkNutsControls } from './nuts-controls';

describe('NUTS controls of the reference posterior', () => {
  it('passes valid chains and draws through', () => {
    expect(checkNutsControls({ chains: 4, draws: 1000 })).toEqual({ ok: true, settings: { chains: 4, draws: 1000 } });
    expect(checkNutsControls({ chains: 1, draws: 20_000 })).toEqual({
      ok: true,
      settings: { chains: 1, draws: 20_000 },
    });
  });

  it('says which field is wrong, echoing the value and the fix', () => {
    const r = checkNutsControls({ chains: 17, draws: 99 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.chains).toMatch(/from 1 to 16, got 17; 4 chains \(the default\)/);
    expect(r.errors.draws).toMatch(/from 100 to 20,000, got 99; 1,000 \(the default\)/);
    const half = checkNutsControls({ chains: 2.5, draws: 1000 });
    expect(half.ok ? null : half.errors).toEqual({ chains: expect.stringMatching(/got 2\.5/) });
  });

  it('an empty field asks for a value', () => {
    const r = checkNutsControls({ chains: null, draws: 1000 });
    expect(r.ok ? null : r.errors.chains).toMatch(/^Enter chains \(1–16\)/);
  });
});

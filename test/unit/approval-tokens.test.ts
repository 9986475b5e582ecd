// Approval tokens: HMAC over the claims; any change to claims or signature, or another secret, fails.
import { NonceLedger, decodeToken, generateSecret, newNonce, signToken, type TokenClaims } from '../../nodes/lib/approval';

const secret = generateSecret();
const claims: TokenClaims = { proposalId: 'p1', tag: 'FIC-101.SP', value: 7, approvers: ['operator1', 'operator2'], expiresAt: 1_800_000_060_000, nonce: newNonce() };

describe('approval tokens', () => {
  it('round-trips the claims', () => {
    expect(decodeToken(secret, signToken(secret, claims))).toEqual({ ok: true, claims });
  });

  it('refuses a token whose claims were altered, even when re-encoded cleanly', () => {
    const [, sig] = signToken(secret, claims).split('.');
    for (const altered of [{ ...claims, value: 8 }, { ...claims, tag: 'TIC-201.SP' }, { ...claims, approvers: ['operator1'] }, { ...claims, expiresAt: claims.expiresAt + 1 }]) {
      const forged = `${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${sig}`;
      expect(decodeToken(secret, forged)).toEqual({ ok: false, reason: expect.stringMatching(/signature is not valid/) });
    }
  });

  it('refuses another secret, a flipped signature bit, garbage and a missing token', () => {
    const t = signToken(secret, claims);
    expect(decodeToken(generateSecret(), t).ok).toBe(false);
    const [p, s] = t.split('.');
    const bytes = Buffer.from(s, 'base64url');
    bytes[0] ^= 1;
    expect(decodeToken(secret, `${p}.${bytes.toString('base64url')}`).ok).toBe(false);
    for (const bad of ['', 'x', 'a.b.c', '.', null, undefined, 42]) expect(decodeToken(secret, bad).ok).toBe(false);
    expect(decodeToken(secret, undefined)).toEqual({ ok: false, reason: 'the message carries no approval token' });
  });

  it('refuses a short secret when signing', () => {
    expect(() => signToken('short', claims)).toThrow(/secret/);
  });

  it('the nonce ledger forgets entries only an hour after their token expired, and persists', () => {
    const l = new NonceLedger();
    l.add('n1', 1000);
    l.prune(1000 + 3_600_000);
    expect(l.has('n1')).toBe(true);
    l.prune(1000 + 3_600_001);
    expect(l.has('n1')).toBe(false);
    l.add('n2', 5);
    expect(NonceLedger.from(JSON.parse(JSON.stringify(l))).has('n2')).toBe(true);
  });
});

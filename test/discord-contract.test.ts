// Contract tests of the Discord parsers against ground truth that is not our own fake: the Ed25519 check
// against RFC 8032's test vectors, and interaction parsing against Discord's documented example and a
// real recorded dispatch (origins in test/fixtures/README.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandEventOf, isInteraction } from '../src/platforms/discord/interaction.js';
import { publicKeyFromHex, verifySignature } from '../src/platforms/discord/signature.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/discord/${name}`, import.meta.url), 'utf8')) as Record<string, unknown> & { member?: object };

describe('Ed25519 verification (RFC 8032, section 7.1, TEST 2)', () => {
  // Public key, message (one byte, 0x72) and signature as the RFC gives them.
  const key = publicKeyFromHex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
  const signature = '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00';

  it('accepts the RFC signature of timestamp + body, and nothing else', () => {
    // Discord signs timestamp + body: the RFC's one-byte message split as timestamp "r" and an empty body.
    expect(verifySignature(key, 'r', Buffer.alloc(0), signature)).toBe(true);
    expect(verifySignature(key, '', Buffer.from('r'), signature)).toBe(false);
    expect(verifySignature(key, 's', Buffer.alloc(0), signature)).toBe(false);
    expect(verifySignature(key, 'r', Buffer.alloc(0), `${signature.slice(0, -2)}01`)).toBe(false);
    expect(verifySignature(key, 'r', Buffer.alloc(0), 'not hex')).toBe(false);
  });

  it('refuses a public key that is not 32 bytes of hex', () => {
    expect(() => publicKeyFromHex('3d4017c3')).toThrow(/64 hexadecimal characters/);
  });
});

describe('interaction parsing', () => {
  it("reads Discord's documented slash command example", () => {
    const payload = { ...fixture('interaction-slash-command-docs.json'), application_id: '775799577604522054' };
    expect(isInteraction(payload)).toBe(true);
    const event = commandEventOf(payload as never)!;
    expect(event.name).toBe('cardsearch');
    expect(event.input).toEqual({ kind: 'structured', path: ['cardsearch'], values: { cardname: 'The Gitrog Monster' } });
    expect(event.caller).toMatchObject({ platform: 'discord', userId: '53908232506183680', userName: 'Mason', chatId: '645027906669510667', guildId: '290926798626357999', chatKind: 'group' });
  });

  it("takes the member's permissions from the payload: 2147483647 includes Administrator", async () => {
    const payload = { ...fixture('interaction-slash-command-docs.json'), application_id: '775799577604522054' };
    expect(await commandEventOf(payload as never)!.caller.role()).toBe('moderator');
    const member = { ...payload.member, permissions: '2048' };
    expect(await commandEventOf({ ...payload, member } as never)!.caller.role()).toBe('member');
  });

  it('a real modal submit (2023, no authorizing_integration_owners) is an interaction, but no command', () => {
    const { d } = fixture('interaction-create-modal-submit.json') as { d: Record<string, unknown> };
    expect(isInteraction(d)).toBe(true);
    expect(commandEventOf(d as never)).toBeUndefined();
  });
});

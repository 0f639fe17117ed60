// When a recording's streams listened (src/market/recorder.ts): spans from the marks `liqmap record`
// writes, a crash (no `down`) ending a span at its last mark, and a half-written last line left out.
import { describe, expect, it } from 'vitest';
import { LISTENING_HEARTBEAT_MS, listeningSpans, parseListeningMarks, RecordingFormatError, type ListeningMark } from '../src/market/recorder.js';

const M = 60_000;

describe('listening spans', () => {
  it('up → down is a span; a silence longer than two heartbeats ends one at its last mark; alive after it starts another', () => {
    const marks: ListeningMark[] = [
      { venue: 'binance', state: 'up', ts: 0 },
      { venue: 'binance', state: 'alive', ts: M },
      { venue: 'binance', state: 'down', ts: 90_000 },
      { venue: 'bybit', state: 'up', ts: 0 },
      { venue: 'bybit', state: 'alive', ts: M },
      { venue: 'bybit', state: 'alive', ts: 2 * M },
      // The recorder was gone for ten minutes (a crash, a machine asleep), then came back without an `up`.
      { venue: 'bybit', state: 'alive', ts: 12 * M },
      { venue: 'bybit', state: 'alive', ts: 13 * M },
    ];
    const spans = listeningSpans(marks, LISTENING_HEARTBEAT_MS);
    expect(spans.get('binance')).toEqual([{ from: 0, to: 90_000 }]);
    expect(spans.get('bybit')).toEqual([{ from: 0, to: 2 * M }, { from: 12 * M, to: 13 * M }]);
  });

  it('reads the marks file, leaving out a half-written last line and naming a bad one', () => {
    const text = '{"venue":"okx","state":"up","ts":1}\n{"venue":"okx","state":"alive","ts":60001}\n{"venue":"okx","sta';
    expect(parseListeningMarks(text, 'listening-BTCUSDT.ndjson')).toEqual([{ venue: 'okx', state: 'up', ts: 1 }, { venue: 'okx', state: 'alive', ts: 60_001 }]);
    expect(() => parseListeningMarks('{"venue":"okx","state":"asleep","ts":1}\n', 'l.ndjson')).toThrow(RecordingFormatError);
    expect(() => parseListeningMarks('{"venue":"okx","state":"asleep","ts":1}\n', 'l.ndjson')).toThrow(/l\.ndjson: line 1: state must be up, alive or down/);
  });
});

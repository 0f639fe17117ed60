import { describe, expect, it } from 'vitest';
import { BarsFormatError, formatBarsCsv, parseBarsCsv } from '../../src/market/bars-csv.js';
import { sampleSeries } from '../helpers/sample.js';

const HEADER = 'ts,open,high,low,close,volume,taker_buy_volume,oi,oi_usd';

function problemsOf(text: string): { line: number; message: string }[] {
  try {
    parseBarsCsv(text, 'bars.csv');
  } catch (err) {
    expect(err).toBeInstanceOf(BarsFormatError);
    return (err as BarsFormatError).problems;
  }
  throw new Error('expected a BarsFormatError');
}

describe('bars interchange CSV', () => {
  it('round-trips the real sample exactly', () => {
    const bars = sampleSeries().bars;
    const text = formatBarsCsv(bars);
    expect(parseBarsCsv(text).bars).toEqual(bars);
    expect(text.split('\n')[0]).toBe('ts,open,high,low,close,net_taker_volume,oi_usd');
  });

  it('reads optional columns in any order and leaves empty cells undefined', () => {
    const { bars, columns } = parseBarsCsv('close,ts,low,high,open,oi\n10.5,1000,9,11,10,\n11,2000,10,12,10.5,42.25\n');
    expect(columns).toEqual(['close', 'ts', 'low', 'high', 'open', 'oi']);
    expect(bars[0]).toEqual({ ts: 1000, open: 10, high: 11, low: 9, close: 10.5 });
    expect(bars[1]!.oi).toBe(42.25);
  });

  it('names the file and line of every malformed row', () => {
    const text = [
      HEADER,
      '1000,10,11,9,10.5,5,2,100,1000',
      '2000,10,11,9,abc,5,2,100,1000', // line 3: not a number
      '3000,10,11,9,10.5,5,2,100', // line 4: missing cell
      '4000,10,9,11,10.5,5,2,100,1000', // line 5: high below low
      '500,10,11,9,10.5,5,2,100,1000', // line 6: time goes backwards
      '5000,10,11,9,10.5,5,7,100,1000', // line 7: taker buy above volume
      '6000,,11,9,10.5,5,2,100,1000', // line 8: open empty
    ].join('\n');
    const problems = problemsOf(text);
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(problems[0]!.message).toMatch(/close is not a number: "abc"/);
    expect(problems[1]!.message).toMatch(/expected 9 cells, found 8/);
    expect(problems[3]!.message).toMatch(/not after the previous bar/);
    expect(problems[5]!.message).toMatch(/open is empty/);
    try {
      parseBarsCsv(text, 'bars.csv');
    } catch (err) {
      expect((err as Error).message).toContain('bars.csv:3:');
    }
  });

  it('rejects an empty file and a header without prices', () => {
    expect(problemsOf('')[0]!.message).toMatch(/empty file/);
    expect(problemsOf('ts,open,high\n1,2,3\n')[0]!.message).toMatch(/lacks required column\(s\) low, close/);
  });

  it('reports a NaN-producing value instead of passing it on', () => {
    expect(problemsOf(`${HEADER}\n1000,10,11,9,10.5,NaN,2,100,1000\n`)[0]!.message).toMatch(/volume is not a number/);
    expect(problemsOf(`${HEADER}\n1000,10,11,9,10.5,5,2,-1,1000\n`)[0]!.message).toMatch(/oi -1 is negative/);
  });
});

// A seed list of Hyperliquid accounts for the tracker: one 0x address per line (blank lines and
// `# comments` allowed). Every malformed line is reported with its number.
import { isAddress } from '../market/hyperliquid/payloads.js';
import { UserError } from '../errors.js';

export function parseAddressList(text: string, file: string): string[] {
  const out = new Set<string>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    if (!isAddress(line)) problems.push(`  ${file}:${i + 1}: "${line.slice(0, 50)}" is not a 0x address of 40 hex digits`);
    else out.add(line.toLowerCase());
  });
  if (problems.length > 0) {
    const more = problems.length > 20 ? [`  … and ${problems.length - 20} more`] : [];
    throw new UserError(`${file}: ${problems.length} malformed ${problems.length === 1 ? 'line' : 'lines'}\n${[...problems.slice(0, 20), ...more].join('\n')}`);
  }
  return [...out];
}

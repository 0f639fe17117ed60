// Validation of option values, the same for Discord's typed options and Telegram's words.
import type { CommandNode, OptionSpec, OptionValue, OptionValues } from './command.js';
import { showInput, UserError } from '../errors.js';

const DEFAULT_MAX_LENGTH = 100;

/** Typed values for every option of the node, defaults filled in; a UserError names what is wrong. */
export function validateOptions(node: CommandNode, raw: Record<string, OptionValue | undefined>, usage: string): OptionValues {
  const values: OptionValues = {};
  for (const spec of node.options ?? []) {
    const given = raw[spec.name];
    if (given === undefined || given === '') {
      if (spec.required) throw new UserError(`${spec.name} is missing: ${spec.description}`, `Usage: ${usage}`);
      values[spec.name] = spec.default;
      continue;
    }
    values[spec.name] = validateOne(spec, given, usage);
  }
  const unknown = Object.keys(raw).filter((k) => !(node.options ?? []).some((o) => o.name === k));
  if (unknown.length > 0) throw new UserError(`unknown option ${showInput(unknown[0]!)}`, `Usage: ${usage}`);
  return values;
}

function validateOne(spec: OptionSpec, given: OptionValue, usage: string): OptionValue {
  const text = String(given).trim();
  const maxLength = spec.maxLength ?? DEFAULT_MAX_LENGTH;
  if ([...text].length > maxLength) throw new UserError(`${spec.name} is too long (at most ${maxLength} characters)`, `Usage: ${usage}`);
  switch (spec.type) {
    case 'string': {
      if (spec.choices) {
        const choice = spec.choices.find((c) => c.toLowerCase() === text.toLowerCase());
        if (!choice) throw new UserError(`${spec.name} "${showInput(text)}" is not one of ${spec.choices.join(', ')}`);
        return choice;
      }
      if (spec.pattern && !spec.pattern.test(text)) throw new UserError(`${spec.name} "${showInput(text)}" is not valid: ${spec.description}`);
      return text;
    }
    case 'number':
    case 'integer': {
      const n = typeof given === 'number' ? given : Number(text.replace(/%$/, ''));
      if (!Number.isFinite(n) || text === '') throw new UserError(`${spec.name} "${showInput(text)}" is not a number: ${spec.description}`);
      if (spec.type === 'integer' && !Number.isInteger(n)) throw new UserError(`${spec.name} must be a whole number`);
      if (spec.minValue !== undefined && n < spec.minValue) throw new UserError(`${spec.name} ${n} is below ${spec.minValue}: ${spec.description}`);
      if (spec.maxValue !== undefined && n > spec.maxValue) throw new UserError(`${spec.name} ${n} is above ${spec.maxValue}: ${spec.description}`);
      return n;
    }
    case 'boolean': {
      if (typeof given === 'boolean') return given;
      const t = text.toLowerCase();
      if (['true', 'yes', 'on'].includes(t)) return true;
      if (['false', 'no', 'off'].includes(t)) return false;
      throw new UserError(`${spec.name} "${showInput(text)}" must be yes or no`);
    }
  }
}

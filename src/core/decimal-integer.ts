import { z } from 'zod';

/** `0`, or digits without a leading zero: no sign, space, point, exponent or `0x` (what JavaScript's Number() would take). */
const decimalDigits = /^(?:0|[1-9][0-9]*)$/;

/**
 * An integer as a query string or an environment variable writes it, from `min` to `max`: decimal digits only,
 * no longer than `max` is written, checked before it becomes a number. A preprocess, not a string pipe, so the
 * contract describes it as the integer it is (zod writes a preprocess's target schema for its input).
 */
export function decimalInteger(min: number, max: number) {
  const message = `an integer from ${min} to ${max}, in decimal digits (no sign, spaces, exponent or leading zeros)`;
  const maxLength = String(max).length;
  return z.preprocess(
    (value, ctx) => {
      // A number is a default given with .prefault() (what the contract shows as the default): the checks below take it.
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.length <= maxLength && decimalDigits.test(value)) return Number(value);
      ctx.addIssue({ code: 'custom', message, input: value });
      return value;
    },
    z.number().int().min(min, message).max(max, message),
  );
}

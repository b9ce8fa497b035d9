import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { convertToAttr } from '@aws-sdk/util-dynamodb';

const OPTIONS = { removeUndefinedValues: true } as const;

/**
 * A value as DynamoDB takes it, the same as the SDK's
 * `convertToAttr(value, { removeUndefinedValues: true })` gives (a unit test
 * compares the two over random values), built by hand for what task records
 * hold: strings, numbers in the safe range, booleans, null, lists and plain
 * objects. Anything else (sets, binary, bigint, class instances, numbers the
 * SDK refuses) goes to the SDK's converter. The SDK's converter tests each
 * value against every type it knows, which cost several microseconds per
 * write.
 */
export function toAttribute(value: unknown): AttributeValue {
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'boolean':
      return { BOOL: value };
    case 'number':
      if (Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER) {
        return { N: value.toString() };
      }
      break;
    case 'object': {
      if (value === null) return { NULL: true };
      if (Array.isArray(value)) {
        const list: AttributeValue[] = [];
        for (const item of value) {
          if (item !== undefined && typeof item !== 'function') list.push(toAttribute(item));
        }
        return { L: list };
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype === Object.prototype || prototype === null) {
        const map: Record<string, AttributeValue> = {};
        const object = value as Record<string, unknown>;
        for (const key in object) {
          const item = object[key];
          if (item !== undefined && typeof item !== 'function') map[key] = toAttribute(item);
        }
        return { M: map };
      }
      break;
    }
  }
  return convertToAttr(value, OPTIONS);
}

/**
 * Expression values as DynamoDB takes them; an undefined value is left out,
 * as the document client (`removeUndefinedValues`) leaves it out.
 */
export function attributeValues(
  values: Readonly<Record<string, unknown>>,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const key in values) {
    const value = values[key];
    if (value !== undefined && typeof value !== 'function') out[key] = toAttribute(value);
  }
  return out;
}

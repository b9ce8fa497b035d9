import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * The attributes an UpdateItem assigns (`#x = :y` and `#x = if_not_exists(#x, :y)`),
 * by attribute name, plus the history entries it appends: what the write does,
 * independent of the placeholder names the runtime happens to choose.
 */
export function assignments(input: UpdateCommandInput | undefined): Record<string, unknown> {
  if (!input?.UpdateExpression) return {};
  const names = input.ExpressionAttributeNames ?? {};
  const values = input.ExpressionAttributeValues ?? {};
  const setClause = input.UpdateExpression.split(' REMOVE ')[0]?.replace(/^SET /, '') ?? '';
  const out: Record<string, unknown> = {};
  for (const part of setClause.split(/,\s*(?![^(]*\))/)) {
    const match =
      /^(#?\w+) = (?:if_not_exists\(#?\w+, (:\w+)\)|list_append\(if_not_exists\(#?\w+, :\w+\), (:\w+)\)|(:\w+))$/.exec(
        part.trim(),
      );
    if (!match) continue;
    const target = match[1] ?? '';
    const name = target.startsWith('#') ? (names[target] ?? target) : target;
    const placeholder = match[2] ?? match[3] ?? match[4] ?? '';
    out[name] = values[placeholder];
  }
  return out;
}

/** Attribute names an UpdateItem removes. */
export function removals(input: UpdateCommandInput | undefined): string[] {
  const clause = input?.UpdateExpression?.split(' REMOVE ')[1];
  const names = input?.ExpressionAttributeNames ?? {};
  return clause ? clause.split(',').map((s) => names[s.trim()] ?? s.trim()) : [];
}

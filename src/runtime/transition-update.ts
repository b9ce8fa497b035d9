import type { Condition } from './transitions.js';

/** What one conditional UpdateItem of a transition sends, besides the table and key. */
export interface TransitionUpdate {
  readonly updateExpression: string;
  readonly conditionExpression: string;
  /** Shared by every write of the same shape: never modified. */
  readonly names: Readonly<Record<string, string>>;
  /** This write's own values. */
  readonly values: Record<string, unknown>;
}

interface Prepared {
  readonly updateExpression: string;
  readonly names: Readonly<Record<string, string>>;
}

const HISTORY = '#history = list_append(if_not_exists(#history, :empty), :entry)';
const EMPTY: readonly never[] = Object.freeze([]);
/** Placeholders of the n-th attribute written, built once rather than per write. */
const SLOTS = Array.from({ length: 40 }, (_, i) => `:c${i}`);
const slot = (i: number) => SLOTS[i] ?? `:c${i}`;

/**
 * Prepared expressions, per condition (by its names object, which the
 * memoized conditions of `transitions.ts` share) and per shape (which
 * attributes are written, in order, and which are removed). A transition
 * only differs from the last one of its shape by its values, so the
 * expression strings and the names object are built once per shape.
 */
const prepared = new WeakMap<object, Map<string, Prepared>>();

/**
 * Builds the SET (and REMOVE) of a transition: each attribute written under
 * a `#c<i>` / `:c<i>` placeholder (`if_not_exists` for those written only
 * when the item is created), the history entry appended, and `remove`d
 * attributes named by `#r<i>` (`error` is a DynamoDB reserved word).
 */
export class TransitionUpdateBuilder {
  private readonly attributes: string[] = [];
  private readonly onlyIfNew: boolean[] = [];
  private shape = '';
  private readonly values: Record<string, unknown> = {};

  /** Writes `name` unless `value` is undefined; with `onlyIfNew`, only when the item is created. */
  put(name: string, value: unknown, onlyIfNew: boolean): void {
    if (value === undefined) return;
    this.values[slot(this.attributes.length)] = value;
    this.attributes.push(name);
    this.onlyIfNew.push(onlyIfNew);
    this.shape += onlyIfNew ? `?${name}` : `=${name}`;
  }

  build(
    entry: unknown,
    condition: Condition,
    remove: readonly string[] | undefined,
  ): TransitionUpdate {
    const { values } = this;
    values[':empty'] = EMPTY;
    values[':entry'] = [entry];
    Object.assign(values, condition.values);
    const key = remove && remove.length > 0 ? `${this.shape}|${remove.join(',')}` : this.shape;
    let byShape = prepared.get(condition.names);
    if (!byShape) {
      byShape = new Map();
      prepared.set(condition.names, byShape);
    }
    let found = byShape.get(key);
    if (!found) {
      found = this.prepare(condition, remove ?? []);
      byShape.set(key, found);
    }
    return {
      updateExpression: found.updateExpression,
      conditionExpression: condition.expression,
      names: found.names,
      values,
    };
  }

  private prepare(condition: Condition, remove: readonly string[]): Prepared {
    const names: Record<string, string> = { '#history': 'history' };
    const sets: string[] = [];
    this.attributes.forEach((attribute, i) => {
      names[`#c${i}`] = attribute;
      sets.push(this.onlyIfNew[i] ? `#c${i} = if_not_exists(#c${i}, :c${i})` : `#c${i} = :c${i}`);
    });
    sets.push(HISTORY);
    const removed = remove.map((attribute, i) => {
      names[`#r${i}`] = attribute;
      return `#r${i}`;
    });
    // Programming errors, not runtime conditions: one placeholder meaning two things. A
    // condition's names object always comes with the same value placeholders (see
    // `transitions.ts`), so checking once per shape covers every write of it.
    for (const name in condition.names) {
      if (name in names) throw new Error(`placeholder ${name} is used twice`);
      names[name] = condition.names[name] as string;
    }
    for (const value in condition.values) {
      if (SLOTS.includes(value) || value === ':empty' || value === ':entry') {
        throw new Error(`placeholder ${value} is used twice`);
      }
    }
    return {
      updateExpression: `SET ${sets.join(', ')}${removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : ''}`,
      names: Object.freeze(names),
    };
  }
}

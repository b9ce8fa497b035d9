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
 * The shapes of transitions seen so far, one tree per condition (by its
 * names object, which the memoized conditions of `transitions.ts` share):
 * each edge is an attribute written (plainly or only if new), so a write
 * finds its prepared expression by following one Map lookup per attribute,
 * with no key string built. A transition only differs from the last one of
 * its shape by its values, so the expression strings and the names object
 * are built once per shape (and per list of removed attributes).
 */
class Shape {
  readonly written = new Map<string, Shape>();
  readonly writtenIfNew = new Map<string, Shape>();
  readonly byRemoved = new Map<string, Prepared>();

  constructor(
    /** The attributes written, in order, with whether each is written only if new. */
    readonly attributes: readonly (readonly [string, boolean])[],
  ) {}

  next(name: string, onlyIfNew: boolean): Shape {
    const edges = onlyIfNew ? this.writtenIfNew : this.written;
    let shape = edges.get(name);
    if (!shape) {
      shape = new Shape([...this.attributes, [name, onlyIfNew]]);
      edges.set(name, shape);
    }
    return shape;
  }
}

const shapes = new WeakMap<object, Shape>();

/**
 * Builds the SET (and REMOVE) of a transition: each attribute written under
 * a `#c<i>` / `:c<i>` placeholder (`if_not_exists` for those written only
 * when the item is created), the history entry appended, and `remove`d
 * attributes named by `#r<i>` (`error` is a DynamoDB reserved word).
 */
export class TransitionUpdateBuilder {
  private shape: Shape;
  private count = 0;
  private readonly values: Record<string, unknown> = {};

  constructor(private readonly condition: Condition) {
    let root = shapes.get(condition.names);
    if (!root) {
      root = new Shape([]);
      shapes.set(condition.names, root);
    }
    this.shape = root;
  }

  /** Writes `name` unless `value` is undefined; with `onlyIfNew`, only when the item is created. */
  put(name: string, value: unknown, onlyIfNew: boolean): void {
    if (value === undefined) return;
    this.values[slot(this.count++)] = value;
    this.shape = this.shape.next(name, onlyIfNew);
  }

  build(entry: unknown, remove: readonly string[] | undefined): TransitionUpdate {
    const { values, condition, shape } = this;
    values[':empty'] = EMPTY;
    values[':entry'] = [entry];
    Object.assign(values, condition.values);
    const key = remove && remove.length > 0 ? remove.join(',') : '';
    let found = shape.byRemoved.get(key);
    if (!found) {
      found = prepare(shape, condition, remove ?? []);
      shape.byRemoved.set(key, found);
    }
    return {
      updateExpression: found.updateExpression,
      conditionExpression: condition.expression,
      names: found.names,
      values,
    };
  }
}

function prepare(shape: Shape, condition: Condition, remove: readonly string[]): Prepared {
  const names: Record<string, string> = { '#history': 'history' };
  const sets: string[] = [];
  shape.attributes.forEach(([attribute, onlyIfNew], i) => {
    names[`#c${i}`] = attribute;
    sets.push(onlyIfNew ? `#c${i} = if_not_exists(#c${i}, :c${i})` : `#c${i} = :c${i}`);
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

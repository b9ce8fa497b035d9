import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { attributeValues, toAttribute } from './marshal.js';
import type { Condition } from './transitions.js';

/** What one conditional UpdateItem of a transition sends, besides the table and key. */
export interface TransitionUpdate {
  readonly updateExpression: string;
  readonly conditionExpression: string;
  /** Shared by every write of the same shape: never modified. */
  readonly names: Readonly<Record<string, string>>;
  /**
   * This write's values, marshalled (see `marshal.ts`). Values of a memoized
   * condition and `:empty` are shared, frozen, by every write.
   */
  readonly values: Record<string, AttributeValue>;
}

interface Prepared {
  readonly updateExpression: string;
  readonly names: Readonly<Record<string, string>>;
  /**
   * The values object each write of the shape starts from, with every
   * placeholder in it: `:empty` filled, and the condition's values when
   * `filledFor` is set; the rest null until the write fills them. Never
   * modified.
   */
  readonly values: Readonly<Record<string, AttributeValue | null>>;
  /** The memoized condition values already in `values`. */
  readonly filledFor: object | undefined;
  /** The condition's placeholders in `values`. */
  readonly conditionPlaceholders: ReadonlySet<string>;
}

const HISTORY = '#history = list_append(if_not_exists(#history, :empty), :entry)';
/** `:empty`, the list a first history entry is appended to; shared by every write, never modified. */
const EMPTY: AttributeValue = Object.freeze({ L: Object.freeze([]) as never });
/** Placeholders of the n-th attribute written, built once rather than per write. */
const SLOTS = Array.from({ length: 40 }, (_, i) => `:c${i}`);
const slot = (i: number) => SLOTS[i] ?? `:c${i}`;

/** The lists of removed attributes seen after a shape, one Map step per attribute. */
class Removals {
  readonly after = new Map<string, Removals>();
  prepared: Prepared | undefined;

  next(name: string): Removals {
    let removals = this.after.get(name);
    if (!removals) {
      removals = new Removals();
      this.after.set(name, removals);
    }
    return removals;
  }
}

/**
 * The shapes of transitions seen so far, one tree per condition (by its
 * names object, which the memoized conditions of `transitions.ts` share):
 * each edge is an attribute written (plainly or only if new), so a write
 * finds its prepared expression by following one Map lookup per attribute,
 * then one per removed attribute, with no key string built. A transition
 * only differs from the last one of its shape by its values, so the
 * expression strings, the names object and the values' template are built
 * once per shape and list of removed attributes.
 */
class Shape {
  readonly written = new Map<string, Shape>();
  readonly writtenIfNew = new Map<string, Shape>();
  readonly removals = new Removals();

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

type Entries = readonly (readonly [string, AttributeValue])[];

/**
 * A memoized condition's values (frozen, shared by every write at its
 * attempt; see `transitions.ts`) marshalled once; a condition built per
 * write is marshalled for that write.
 */
const marshalledConditions = new WeakMap<object, Entries>();

function conditionValues(condition: Condition): Entries {
  const { values } = condition;
  if (!Object.isFrozen(values)) return marshal(values);
  let marshalled = marshalledConditions.get(values);
  if (!marshalled) {
    marshalled = marshal(values);
    deepFreeze(marshalled);
    marshalledConditions.set(values, marshalled);
  }
  return marshalled;
}

const marshal = (values: Readonly<Record<string, unknown>>): Entries =>
  Object.entries(attributeValues(values));

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item);
}

/**
 * Builds the SET (and REMOVE) of a transition: each attribute written under
 * a `#c<i>` / `:c<i>` placeholder (`if_not_exists` for those written only
 * when the item is created), the history entry appended, and `remove`d
 * attributes named by `#r<i>` (`error` is a DynamoDB reserved word).
 */
export class TransitionUpdateBuilder {
  private shape: Shape;
  /** The values written, marshalled, in placeholder order. */
  private readonly written: AttributeValue[] = [];

  constructor(private readonly condition: Condition) {
    let root = shapes.get(condition.names);
    if (!root) {
      root = new Shape([]);
      shapes.set(condition.names, root);
    }
    this.shape = root;
  }

  /**
   * Writes `name` unless `value` is undefined; with `onlyIfNew`, only when
   * the item is created. The value is marshalled here, as the worker's
   * document client would marshal it (`removeUndefinedValues`).
   */
  put(name: string, value: unknown, onlyIfNew: boolean): void {
    if (value === undefined) return;
    this.written.push(toAttribute(value));
    this.shape = this.shape.next(name, onlyIfNew);
  }

  build(entry: unknown, remove: readonly string[] | undefined): TransitionUpdate {
    const { written, condition, shape } = this;
    let removals = shape.removals;
    if (remove) for (const name of remove) removals = removals.next(name);
    removals.prepared ??= prepare(shape, condition, remove ?? []);
    const found = removals.prepared;
    // A copy of the template has every placeholder already, so filling it in only replaces
    // properties: an object grown one computed key at a time turns into a slow dictionary
    // at its 20th key (Node 22's V8; a claim's write has 25 values), which cost more than
    // the rest of the write to fill, copy and read (the SDK walks it again to serialize it).
    const values = { ...found.values };
    for (let i = 0; i < written.length; i++) values[slot(i)] = written[i] as AttributeValue;
    values[':entry'] = { L: [toAttribute(entry)] };
    if (found.filledFor !== condition.values) fillCondition(values, found, condition);
    return {
      updateExpression: found.updateExpression,
      conditionExpression: condition.expression,
      names: found.names,
      // Every placeholder is filled in now.
      values: values as Record<string, AttributeValue>,
    };
  }
}

/**
 * Fills in the values of a condition that the template does not hold (one
 * built per write, or another condition of the same names). A programming
 * error if they are not exactly the condition placeholders the shape was
 * prepared with: one would be left null, or be a new key.
 */
function fillCondition(
  values: Record<string, AttributeValue | null>,
  found: Prepared,
  condition: Condition,
): void {
  const filled = conditionValues(condition);
  const exact =
    filled.length === found.conditionPlaceholders.size &&
    filled.every(([placeholder]) => found.conditionPlaceholders.has(placeholder));
  if (!exact) {
    throw new Error(
      `condition placeholders ${Object.keys(condition.values)} differ from the ones prepared (${[...found.conditionPlaceholders]})`,
    );
  }
  for (const [placeholder, value] of filled) values[placeholder] = value;
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
  // `transitions.ts`; `fillCondition` refuses one that does not), so checking once per
  // shape covers every write of it.
  for (const name in condition.names) {
    if (name in names) throw new Error(`placeholder ${name} is used twice`);
    names[name] = condition.names[name] as string;
  }
  for (const value in condition.values) {
    if (SLOTS.includes(value) || value === ':empty' || value === ':entry') {
      throw new Error(`placeholder ${value} is used twice`);
    }
  }
  // A memoized condition's values go into the template; others are filled in per write.
  const memoized = Object.isFrozen(condition.values);
  const conditionEntries = memoized
    ? conditionValues(condition)
    : Object.keys(condition.values).map((key) => [key, null] as const);
  const template: (readonly [string, AttributeValue | null])[] = [
    ...shape.attributes.map((_, i) => [slot(i), null] as [string, null]),
    [':empty', EMPTY],
    [':entry', null],
    ...conditionEntries,
  ];
  return {
    updateExpression: `SET ${sets.join(', ')}${removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : ''}`,
    // Built whole by fromEntries, not one computed key at a time, so both stay fast objects.
    names: Object.freeze(Object.fromEntries(Object.entries(names))),
    // Not frozen: a spread of a frozen object takes V8's slow path.
    values: Object.fromEntries(template),
    filledFor: memoized ? condition.values : undefined,
    conditionPlaceholders: new Set(conditionEntries.map(([key]) => key)),
  };
}

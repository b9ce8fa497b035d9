import { type Catalog, type CategoryInput, defineCatalog } from './define.js';
import { schedules, triggers } from './schedules.js';

/** The entries of `all` whose task belongs to category `name` (task names are `<category>.<task>`). */
function ofCategory<D extends { readonly task: string }>(
  all: Readonly<Record<string, D>>,
  name: string,
): Record<string, D> {
  return Object.fromEntries(
    Object.entries(all).filter(([, definition]) => definition.task.startsWith(`${name}.`)),
  );
}

/**
 * The catalog as one category's function reads it: that category, with the
 * schedules and triggers that send its tasks, built and validated by
 * `defineCatalog` exactly as the whole catalog is. Importing only the
 * category's own file keeps every other category's payload schemas out of
 * its bundle, while the handlers stay typed by the task schemas.
 *
 * A category whose catalog entry lists other categories' tasks in `sends`
 * passes those categories as `sendsTo`: their schemas are what `ctx.send`
 * validates a child's payload with (only they are added to the bundle).
 *
 * @example
 * import { email } from '../../src/catalog/categories/email.js';
 * export const handler = createWorker(categoryCatalog('email', email), 'email', { ... });
 */
export function categoryCatalog<
  const N extends string,
  const T extends CategoryInput,
  const S extends Record<string, CategoryInput> = Record<never, never>,
>(name: N, definition: T, sendsTo?: S): Catalog<{ [K in N]: T } & S> {
  return defineCatalog({
    categories: { ...sendsTo, [name]: definition } as { [K in N]: T } & S,
    schedules: ofCategory(schedules, name),
    triggers: ofCategory(triggers, name),
  } as Parameters<typeof defineCatalog<{ [K in N]: T } & S>>[0]);
}

import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { UiMeta } from '../types.js';

/** The stack, the catalog's tasks and where calls go: read once, again while there is a problem. */
export const Meta = createContext<UiMeta | undefined>(undefined);

export const useMeta = () => useContext(Meta);

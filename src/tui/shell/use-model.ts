import { useSyncExternalStore } from 'react';
import type { ShellModel } from './shell-model.js';

/** Re-renders the caller whenever the model changes; returns its version. */
export function useModel(model: ShellModel): number {
  return useSyncExternalStore(model.subscribe, model.getVersion);
}

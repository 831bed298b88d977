// The isolated and central baselines: no neighbours, nothing served, nothing fetched.
import type { ExchangeMode } from '../exchange-mode.ts';
import { NOTHING_EXCHANGED } from '../exchange-mode.ts';

export function noExchange(): ExchangeMode {
  return {
    serves: false,
    start: async () => undefined,
    exchange: async () => NOTHING_EXCHANGED,
    resume: async () => undefined,
    stop: async () => undefined,
  };
}

// Which exchange mode a run's mode uses.
import type { Mode } from '../config.ts';
import type { ExchangeMode, ModeContext } from '../exchange-mode.ts';
import { noExchange } from './none.ts';
import { predictionDistillation } from './predictions.ts';
import { weightGossip } from './weights.ts';

const MODES: Record<Mode, (ctx: ModeContext, keepRounds: number) => ExchangeMode> = {
  mhd: predictionDistillation,
  gossip: weightGossip,
  isolated: noExchange,
  central: noExchange,
};

/** `keepRounds`: how many of its latest rounds the agent keeps serving. */
export function createExchangeMode(ctx: ModeContext, keepRounds: number): ExchangeMode {
  return MODES[ctx.config.mode](ctx, keepRounds);
}

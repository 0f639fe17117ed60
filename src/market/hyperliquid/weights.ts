// Request weights of Hyperliquid's info endpoint ("Rate limits and user limits" page, crawl of
// 2026-06-11; test/fixtures/hyperliquid/README and the exchange docs' Known trap 9): 1200 per minute per
// IP for all REST requests together.

export const HL_WEIGHT_PER_MINUTE = 1200;

const WEIGHT_2 = new Set(['l2Book', 'allMids', 'clearinghouseState', 'orderStatus', 'spotClearinghouseState', 'exchangeStatus']);
const WEIGHT_60 = new Set(['userRole']);
/** Requests that cost more per rows returned, and how many rows cost one more. */
const ROWS_PER_EXTRA: Record<string, number> = {
  recentTrades: 20,
  historicalOrders: 20,
  userFills: 20,
  userFillsByTime: 20,
  fundingHistory: 20,
  userFunding: 20,
  nonUserFundingUpdates: 20,
  twapHistory: 20,
  userTwapSliceFills: 20,
  userTwapSliceFillsByTime: 20,
  delegatorHistory: 20,
  delegatorRewards: 20,
  validatorStats: 20,
  candleSnapshot: 60,
};

/**
 * Weight of one info request that returned `rows` rows. The page says "additional weight per 20
 * (60) items returned" without saying how a partial block counts; we count every started block
 * (ceil), the cautious reading, so our budget never undercounts what the venue may charge.
 */
export function infoWeight(type: string, rows = 0): number {
  const base = WEIGHT_2.has(type) ? 2 : WEIGHT_60.has(type) ? 60 : 20;
  const per = ROWS_PER_EXTRA[type];
  return per === undefined ? base : base + Math.ceil(Math.max(0, rows) / per);
}

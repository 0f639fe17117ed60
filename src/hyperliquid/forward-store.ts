// The forward series' days kept in the bot's store (`hlday:<coin>/<YYYY-MM-DD>`).
import type { ForwardDay, ForwardSeriesStore } from '../market/hyperliquid/forward-series.js';
import type { Collection } from '../store/collection.js';
import type { HyperliquidDay } from '../store/hyperliquid-records.js';

export function forwardStoreOf(days: Collection<HyperliquidDay>): ForwardSeriesStore {
  return {
    async load(coin, day) {
      const record = await days.get(`${coin}/${day}`);
      return record ? { coin: record.coin, day: record.day, oi: record.oi, flow: record.flow } : undefined;
    },
    async save(record: ForwardDay) {
      await days.put(`${record.coin}/${record.day}`, { v: 1, ...record });
    },
  };
}

/** The same, over a collection that exists only later (the bot opens its store after the market). */
export function lazyForwardStore(days: () => Collection<HyperliquidDay> | undefined): ForwardSeriesStore {
  return {
    load: async (coin, day) => {
      const c = days();
      return c ? forwardStoreOf(c).load(coin, day) : undefined;
    },
    save: async (record) => {
      const c = days();
      if (!c) throw new Error('the store is not open yet');
      await forwardStoreOf(c).save(record);
    },
  };
}

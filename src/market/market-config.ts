// Where the venues are and which keys are set: environment → options of the live market layer, so
// tests (and operators behind a proxy) point every venue somewhere else.

export interface VenueUrls {
  binance: string;
  bybit: string;
  okx: string;
  hyperliquid: string;
}

export interface MarketEnvOptions {
  urls: VenueUrls;
  wsUrls: VenueUrls;
  binanceApiKey?: string;
  binanceApiSecret?: string;
  coinglassApiKey?: string;
  coinglassUrl: string;
}

export const DEFAULT_URLS: VenueUrls = {
  binance: 'https://fapi.binance.com',
  bybit: 'https://api.bybit.com',
  okx: 'https://www.okx.com',
  hyperliquid: 'https://api.hyperliquid.xyz',
};

export const DEFAULT_WS_URLS: VenueUrls = {
  binance: 'wss://fstream.binance.com/market/ws/!forceOrder@arr',
  bybit: 'wss://stream.bybit.com/v5/public/linear',
  okx: 'wss://ws.okx.com:8443/ws/v5/public',
  hyperliquid: 'wss://api.hyperliquid.xyz/ws',
};

export const DEFAULT_COINGLASS_URL = 'https://open-api-v4.coinglass.com';

export function marketOptionsFromEnv(env: Record<string, string | undefined>): MarketEnvOptions {
  const pick = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  return {
    urls: {
      binance: pick('BINANCE_FAPI_URL') ?? DEFAULT_URLS.binance,
      bybit: pick('BYBIT_API_URL') ?? DEFAULT_URLS.bybit,
      okx: pick('OKX_API_URL') ?? DEFAULT_URLS.okx,
      hyperliquid: pick('HYPERLIQUID_API_URL') ?? DEFAULT_URLS.hyperliquid,
    },
    wsUrls: {
      binance: pick('BINANCE_WS_URL') ?? DEFAULT_WS_URLS.binance,
      bybit: pick('BYBIT_WS_URL') ?? DEFAULT_WS_URLS.bybit,
      okx: pick('OKX_WS_URL') ?? DEFAULT_WS_URLS.okx,
      hyperliquid: pick('HYPERLIQUID_WS_URL') ?? DEFAULT_WS_URLS.hyperliquid,
    },
    binanceApiKey: pick('BINANCE_API_KEY'),
    binanceApiSecret: pick('BINANCE_API_SECRET'),
    coinglassApiKey: pick('COINGLASS_API_KEY'),
    coinglassUrl: pick('COINGLASS_API_URL') ?? DEFAULT_COINGLASS_URL,
  };
}

/** The options of LiveMarketData that come from the environment. */
export function liveOptionsFromEnv(env: Record<string, string | undefined>): { urls: VenueUrls; binanceApiKey?: string; binanceApiSecret?: string } {
  const o = marketOptionsFromEnv(env);
  return { urls: o.urls, binanceApiKey: o.binanceApiKey, binanceApiSecret: o.binanceApiSecret };
}

// Which model made a map. A map id names the data (symbol, venues, window, range, last closed bar); this
// names the code that turned the data into numbers, so a cached or linked map is never mistaken for one
// a changed model would draw. Bump it with every change of the model's output (ledger, parameters'
// defaults, grid, clusters, calibration): the web API reports it and its ETags carry it.
// 2026.11.2: the diffuse part (leverage and entry spread) and the calibrated forced flow.
// 2026.11.3: three quarters of the book well margined (a 2x tier), from Hyperliquid's measured positions.
export const MODEL_VERSION = '2026.11.3';

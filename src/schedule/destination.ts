// The schedules read destinations from store keys; the one codec is src/core/destination.ts.
export { decodeDestination as destinationFromKey, encodeDestination as destinationKey } from '../core/destination.js';

/**
 * The one wrapper every Lambda handler uses: middy around an async function of the event.
 * Kept in one place so a middleware (logging, tracing) is added once for every handler.
 */
import middy from '@middy/core';

export function lambda<E, R>(fn: (event: E) => Promise<R>) {
  return middy(async (event: E) => fn(event));
}

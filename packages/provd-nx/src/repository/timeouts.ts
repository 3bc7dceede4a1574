import { PROVD_ENV } from '../runtime/env';
/**
 * Connect and I/O timeouts for every remote repository: a server that accepts a
 * connection and never answers must not hold a publish or a verify for minutes.
 */
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const TIMEOUT_ENV = PROVD_ENV.timeout;

/** Seconds to wait for a connection, or for the next data on one: PROVD_TIMEOUT, else 30. */
export function timeoutSeconds(): number {
  const raw = process.env[TIMEOUT_ENV];
  const value = raw ? Number(raw) : NaN;
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_TIMEOUT_SECONDS;
}

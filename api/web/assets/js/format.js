// Showing numbers, money, times and dates the way the reader expects.

/** Money from the API: the server formats it (`Money.formatted`). */
export function money(value) {
  return value?.formatted ?? '';
}

/**
 * Seconds as m:ss (or h:mm:ss), rounded to the nearest second: the one
 * rounding every list and the player use, so a file of 11.6 s reads 0:12
 * everywhere.
 */
export function duration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '–:––';
  const whole = Math.round(seconds);
  const s = (whole % 60).toString().padStart(2, '0');
  const m = Math.floor((whole / 60) % 60);
  const hours = Math.floor(whole / 3600);
  return hours ? `${hours}:${m.toString().padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A date-time from the API, in the reader's locale. */
export function dateTime(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Bytes as KB/MB/GB. */
export function bytes(n) {
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}

/** "1 track", "2 tracks": a count and its noun, singular or plural. */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

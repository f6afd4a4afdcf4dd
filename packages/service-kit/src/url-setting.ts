import { z } from 'zod';

/** A setting that must be an absolute http(s) URL (trimmed); anything else is refused with `message`. */
export function httpUrlSetting(message = 'must be an http(s) URL') {
  return z.string().trim().refine(isHttpUrl, message);
}

function isHttpUrl(value: string): boolean {
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

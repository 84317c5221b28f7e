import { z } from 'zod';

const LoadMessage = z.object({ stream: z.string().optional(), error: z.string().optional(), errorDetail: z.object({ message: z.string().optional() }).optional() }).passthrough();

/** The engine refused a `docker load` archive; its own words. */
export class LoadRefused extends Error {}

/**
 * The images a `docker load` message stream reports as loaded, in order; rejects with the engine's error when the
 * stream carries one (the HTTP status is 200 even then).
 */
export function loadedImages(messages: readonly unknown[]): string[] {
  const loaded: string[] = [];
  for (const raw of messages) {
    const m = LoadMessage.safeParse(raw);
    if (!m.success) continue;
    const error = m.data.error ?? m.data.errorDetail?.message;
    if (error) throw new LoadRefused(error);
    for (const line of (m.data.stream ?? '').split('\n')) {
      const hit = /^Loaded image(?: ID)?: (\S+)/.exec(line.trim());
      if (hit?.[1]) loaded.push(hit[1]);
    }
  }
  return loaded;
}

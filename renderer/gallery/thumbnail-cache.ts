// Thumbnails come through the API (gallery.thumbnail → PNG data URL), never file://. This cache
// keeps each one once per session and runs at most four requests at a time, so scrolling a
// large gallery does not flood the host.

import { api } from '../api/client';

const cache = new Map<string, Promise<string>>();
const queue: (() => void)[] = [];
let running = 0;
const MAX_PARALLEL = 4;

function schedule<T>(task: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const run = () => {
      running++;
      task().then(resolve, reject).finally(() => {
        running--;
        queue.shift()?.();
      });
    };
    if (running < MAX_PARALLEL) run();
    else queue.push(run);
  });
}

export function loadThumbnail(id: string, size: number): Promise<string> {
  const key = `${id}@${size}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = schedule(() => api.gallery.thumbnail({ id, size })).then((t) => t.dataUrl);
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
  }
  return hit;
}

export function forgetThumbnails(id: string): void {
  for (const key of [...cache.keys()]) if (key.startsWith(`${id}@`)) cache.delete(key);
}

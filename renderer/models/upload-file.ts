// Sends a dropped file to the backend in ordered chunks (models.uploadBegin/Chunk/Finish). Used in both
// hosts: a browser gives no file paths, and it keeps the Electron preload free of file-system access.

import type { Api } from '../../preload/contract';
import { bytesToBase64 } from './model-format';

export interface UploadableFile {
  name: string;
  size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** Uploads `file`; resolves with the `upload:<id>` source for models.import. Aborts the upload on failure or when `signal` fires. */
export async function uploadFile(api: Api, file: UploadableFile, onProgress: (sent: number, total: number) => void, signal?: AbortSignal): Promise<string> {
  const { uploadId, chunkBytes } = await api.models.uploadBegin({ fileName: file.name, bytes: file.size });
  try {
    let offset = 0;
    onProgress(0, file.size);
    while (offset < file.size) {
      signal?.throwIfAborted();
      const end = Math.min(file.size, offset + chunkBytes);
      const bytes = new Uint8Array(await file.slice(offset, end).arrayBuffer());
      await api.models.uploadChunk({ uploadId, offset, base64: bytesToBase64(bytes) });
      offset = end;
      onProgress(offset, file.size);
    }
    return (await api.models.uploadFinish({ uploadId })).source;
  } catch (err) {
    await api.models.uploadAbort({ uploadId }).catch(() => undefined);
    throw err;
  }
}

/**
 * The contract between the sampling loops and an autoregressive transformer.
 *
 * Token sequences are row-major int32 [B, T]. Logits are float32 [B, V]. Positions are absolute sequence
 * indices starting at 0 (learned absolute position embeddings, as in taming's minGPT). A model must be causal:
 * the logits at position t depend only on tokens 0..t.
 *
 * Implemented by the real GPT programs (see gpt-token-model.ts) and, in tests, by small deterministic models.
 */
export interface TokenModel<Cache = unknown> {
  readonly vocabSize: number;
  /** Longest sequence the model accepts (minGPT block_size). */
  readonly blockSize: number;
  /** Full forward of `tokens` [B, length] without a cache; the logits at position `at` of each row, [B, V]. */
  logitsAt(tokens: Int32Array, batch: number, length: number, at: number): Promise<Float32Array>;
  /** Forward `tokens` [B, length] from position 0; logits of the last position [B, V] and a cache of all positions. */
  prefill(tokens: Int32Array, batch: number, length: number): Promise<{ logits: Float32Array; cache: Cache }>;
  /** Append one token per row ([B]) at position cacheLength(cache); logits of that position. Consumes `cache`. */
  step(cache: Cache, tokens: Int32Array): Promise<{ logits: Float32Array; cache: Cache }>;
  /**
   * Optional: append `count` tokens per row ([B, count]) in one call; logits of the last one. Consumes `cache`.
   * Loops fall back to repeated `step` calls without it.
   */
  extend?(cache: Cache, tokens: Int32Array, count: number): Promise<{ logits: Float32Array; cache: Cache }>;
  /**
   * Optional: a cache of one row repeated into `batch` identical rows (consumes `cache`). Variations of one
   * request share their condition, so the loop prefills a window they all see identically once, not B times.
   */
  repeatCache?(cache: Cache, batch: number): Cache;
  /** Number of positions held by the cache. */
  cacheLength(cache: Cache): number;
  /** Optional: free a cache that will not be used again. */
  release?(cache: Cache): void;
}

